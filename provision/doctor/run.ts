import { isCrawlError } from '../../common/errors.ts';
import { type LabConfig, loadLabConfig } from '../config/index.ts';
import { type HostEnv, probe, versionIn, which } from '../host-probe.ts';
import { labEnv } from '../lab-env.ts';
import { AUTO_ORDER, detectProviders, pickAuto } from '../providers/registry.ts';
import { detectVagrant } from '../providers/vagrant/detect.ts';
import { type HostFacts, THIS_HOST } from '../providers/vagrant/hypervisors.ts';
import type { ProviderInfo } from '../types.ts';
import { diskCheck, localToolsCheck, memoryCheck, namespacesCheck, nodeCheck } from './checks-host.ts';
import { itemsCheck } from './checks-items.ts';
import { otherLabsCheck } from './checks-labs.ts';
import { redisTlsCheck } from './checks-redis.ts';
import {
  appleSiliconCheck,
  conflictCheck,
  hypervisorCheck,
  vagrantCheck,
  vboxRangeCheck,
} from './checks-vm.ts';
import {
  type Check,
  type CheckResult,
  type DoctorContext,
  type Finding,
  type ProviderName,
  resolveStatus,
} from './types.ts';

/**
 * lab:doctor: check what the lab needs on this machine, before `lab:up`, and
 * say how to fix each problem. Each check reports what it found and which
 * providers a problem stops; a problem is FAIL when it stops the provider the
 * lab would use (lab.yaml's, or the one `auto` picks), warn when it only stops
 * others. Nothing is changed on the machine.
 */

export interface DoctorOptions {
  configPath?: string;
  stateDir?: string;
  labId?: string;
  env?: HostEnv;
  host?: HostFacts;
  isRoot?: boolean;
  vboxNetworksConf?: string;
}

export interface DoctorReport {
  config: { path: string | undefined; valid: boolean };
  provider: { configured: string | undefined; chosen: ProviderName | undefined; candidates: ProviderInfo[] };
  checks: CheckResult[];
  /** 1 when a check FAILs for the chosen provider (or lab.yaml is invalid). */
  exitCode: 0 | 1;
}

const CHECKS: Check[] = [
  nodeCheck,
  vagrantCheck,
  hypervisorCheck,
  vboxRangeCheck,
  conflictCheck,
  appleSiliconCheck,
  memoryCheck,
  diskCheck,
  namespacesCheck,
  localToolsCheck,
  itemsCheck,
  redisTlsCheck,
  otherLabsCheck,
];

function configFinding(options: DoctorOptions, env: HostEnv): { config?: LabConfig; finding: Finding } {
  try {
    const config = loadLabConfig(options.configPath, {}, env);
    return {
      config,
      finding: {
        id: 'lab.yaml',
        message: `${config.source} is valid (provider: ${config.provider})`,
        blocks: [],
      },
    };
  } catch (error) {
    const all: ProviderName[] = ['vagrant', 'netns', 'ssh', 'local'];
    if (!isCrawlError(error)) throw error;
    return {
      finding: {
        id: 'lab.yaml',
        message: error.message,
        ...(error.hint ? { fix: error.hint } : {}),
        blocks: all,
      },
    };
  }
}

export async function runDoctor(options: DoctorOptions = {}): Promise<DoctorReport> {
  const env = options.env ?? process.env;
  const host = options.host ?? THIS_HOST;
  const where = labEnv(
    {
      ...(options.stateDir ? { stateDir: options.stateDir } : {}),
      ...(options.labId ? { labId: options.labId } : {}),
    },
    env as NodeJS.ProcessEnv,
  );
  const { stateDir } = where;
  const { config, finding } = configFinding(options, env);
  const vagrantPath = which('vagrant', env);
  const version = vagrantPath ? versionIn((await probe(vagrantPath, ['--version'], env)).stdout) : undefined;
  const ctx: DoctorContext = {
    config,
    env,
    host,
    isRoot: options.isRoot ?? process.getuid?.() === 0,
    vagrantPath,
    vagrantVersion: version,
    // the same detection provider: auto and provider: vagrant use (providers/vagrant/detect.ts)
    hypervisors: (await detectVagrant(env, host)).hypervisors,
    stateDir,
    labId: where.labId,
    cacheDir: where.cacheDir,
    vboxNetworksConf: options.vboxNetworksConf ?? '/etc/vbox/networks.conf',
  };
  let candidates: ProviderInfo[] = [];
  let chosen: ProviderName | undefined;
  if (config) {
    // the candidates and their reasons exactly as `provider: auto` sees them (providers/registry.ts)
    candidates = (await detectProviders({ config, ...where, env, host }, AUTO_ORDER)).map((d) => d.info);
    // the same pick as lab:up's auto: the best tier first (qemu under TCG only where netns cannot run)
    chosen =
      config.provider === 'auto'
        ? pickAuto(candidates.map((info) => ({ info })))?.info.name
        : config.provider;
  }
  const findings = [finding, ...(await Promise.all(CHECKS.map((c) => c(ctx))))];
  const checks = findings.map((f) => ({ ...f, status: resolveStatus(f, chosen) }));
  return {
    config: { path: config?.source ?? options.configPath, valid: config !== undefined },
    provider: { configured: config?.provider, chosen, candidates },
    checks,
    exitCode: checks.some((c) => c.status === 'fail') ? 1 : 0,
  };
}

const LABEL = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' } as const;

/** One line per check (`ok` / `warn` / `FAIL` + the fix), then the verdict. */
export function formatDoctor(r: DoctorReport): string {
  const lines: string[] = [];
  for (const c of r.checks) {
    const blocks = c.status === 'ok' || c.blocks.length === 0 ? '' : ` [stops ${c.blocks.join(', ')}]`;
    lines.push(`${LABEL[c.status]} ${c.id.padEnd(19)} ${c.message}${blocks}`);
    if (c.fix && c.status !== 'ok') lines.push(`     ${''.padEnd(19)} fix: ${c.fix}`);
  }
  const chosen = r.provider.chosen;
  for (const c of r.provider.candidates)
    lines.push(`     provider ${c.name.padEnd(10)} ${c.usable ? 'usable' : 'not usable'}: ${c.why}`);
  // as lab:up's auto says it: how to get what auto passed over (real VMs under TCG, for one)
  if (r.provider.configured === 'auto')
    for (const c of r.provider.candidates)
      if (c.usable && c.name !== chosen && c.note) lines.push(`     ${''.padEnd(19)} ${c.note}`);
  const failing = r.checks.filter((c) => c.status === 'fail').map((c) => c.id);
  lines.push(
    chosen === undefined
      ? 'lab:doctor: fix lab.yaml first'
      : failing.length
        ? `lab:doctor: provider ${chosen}${r.provider.configured === 'auto' ? ' (auto)' : ''} is blocked by: ${failing.join(', ')}`
        : `lab:doctor: ready for provider ${chosen}${r.provider.configured === 'auto' ? ' (auto)' : ''}: npm run lab:up`,
  );
  return lines.join('\n');
}
