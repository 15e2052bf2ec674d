import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_LAB_CONFIG_PATH, loadLabConfig } from '../../provision/config/index.ts';
import { cacheDir, REPO_ROOT as ROOT } from '../../provision/lab-env.ts';
import { formatPlan, type LabPlan, planLab } from '../../provision/plan/plan-lab.ts';
import { planProvider } from '../../provision/plan/provider.ts';
import { ferretdbPath } from '../helpers/mongo-server.ts';

/** Helpers for the plan tests: build a plan from a lab.yaml, make it machine-independent, read lines back with bash. */

export const PLANS = fileURLToPath(new URL('./fixtures/plans/', import.meta.url));
/** Never created: plans only name it. */
/** The plans snapshot-tested in fixtures/plans/<name>.txt, each from its lab.yaml. */
export const PLAN_CASES: [name: string, config: string][] = [
  ['default', DEFAULT_LAB_CONFIG_PATH],
  ['hostile', join(PLANS, 'hostile.yaml')],
  ['article-exact', join(PLANS, 'article-exact.yaml')],
  ['vagrant', join(PLANS, 'vagrant.yaml')],
  ['ssh', join(PLANS, 'ssh.yaml')],
  ['tls', join(PLANS, 'tls.yaml')],
];

export const PLAN_STATE = '/var/tmp/crawl-lab-plan-state';

export async function planOf(configPath: string): Promise<{ plan: LabPlan; text: string }> {
  const config = loadLabConfig(configPath);
  // auto's pick depends on this machine (Vagrant with a working libvirtd, while the real Vagrant
  // test runs, picks vagrant): the snapshot is the stand-ins' plan, as on a machine without a hypervisor
  const pinned = config.provider === 'auto' ? { ...config, provider: 'netns' as const } : config;
  // and the vagrant plan is the one of a machine without a hypervisor, whatever runs here
  const env = config.provider === 'vagrant' ? { env: { ...process.env, PATH: '/nonexistent' } } : {};
  const { provider } = await planProvider(pinned, {
    labId: 'plan',
    stateDir: PLAN_STATE,
    configPath,
    ...env,
  });
  // detect()'s answer depends on this machine (root or not): snapshots use a fixed one
  const choice = {
    name: provider.name,
    usable: true,
    why: `chosen in ${config.provider === 'auto' ? 'auto' : 'lab.yaml'}`,
  };
  const plan = await planLab({ config, provider, choice, where: { labId: 'plan', stateDir: PLAN_STATE } });
  return { plan, text: normalize(formatPlan(plan)) };
}

/** Paths that differ between machines become placeholders (@...@: still plain words for bash). */
export function normalize(text: string): string {
  // the FerretDB binary lives in the cache: name it before the cache folder
  return text
    .split(ROOT)
    .join('@repo@/')
    .split(ferretdbPath())
    .join('@ferretdb@')
    .split(cacheDir())
    .join('@cache@')
    .split(process.execPath)
    .join('@host-node@');
}

/**
 * Each line read by a real bash as a command line: the words bash would pass
 * (one bash for all lines; each word printed as W<word>\0, each line ended by E\0).
 */
export function bashWords(lines: readonly string[]): string[][] {
  const script = lines.map((l) => `printf 'W%s\\0' ${l}\nprintf 'E\\0'`).join('\n');
  const out = execFileSync('bash', ['--norc', '--noprofile', '-s'], { input: script }).toString('utf8');
  const records: string[][] = [];
  let current: string[] = [];
  for (const token of out.split('\0').slice(0, -1)) {
    if (token === 'E') {
      records.push(current);
      current = [];
    } else current.push(token.slice(1));
  }
  return records;
}
