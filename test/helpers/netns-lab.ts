import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Lab, openLab } from '../../provision/lab.ts';
import { findMongoServerBinary, NO_SERVER_WHY } from '../../provision/steps/mongodb-binary.ts';
import { isRoot, leftovers } from '../provision/netns-support.ts';

/**
 * The preamble every test of a whole netns lab shares: when to skip, a
 * temporary folder holding the lab.yaml and the state, the lab opened on it,
 * and the check that destroy left nothing of the lab behind.
 */

export const NEEDS_ROOT = 'needs root (network namespaces): run as root, as CI does';

/**
 * Why a netns-lab test cannot run here, or false. CI runs as root with FerretDB
 * built, so under CI=true it is never skipped: a missing piece fails there.
 */
export function netnsSkip(o: { mongo?: boolean } = {}): string | false {
  if (process.env['CI'] === 'true') return false;
  if (!isRoot) return NEEDS_ROOT;
  if (o.mongo && !findMongoServerBinary()) return `the lab's MongoDB needs ${NO_SERVER_WHY}`;
  return false;
}

/**
 * The lab.yaml of the usual three-node netns lab on `<net>.0/24` (master .10,
 * worker1 .11, worker2 .12), followed by `rest` (more lab.yaml lines).
 * Each test passes the subnet it was given, so labs running at once never collide.
 */
export function threeNodeYaml(net: string, rest: string): string {
  return `
provider: netns
network: { cidr: ${net}.0/24 }
nodes:
  - { name: master, role: master, ip: ${net}.10 }
  - { name: worker1, role: worker, ip: ${net}.11 }
  - { name: worker2, role: worker, ip: ${net}.12 }
${rest.trim()}
`;
}

/** Where cleanup goes: a test's `t` (t.after) or `{ after }` from node:test for a whole file. */
export interface AfterHook {
  after(fn: () => Promise<void>): void;
}

export interface TempLab {
  labId: string;
  /** The temporary folder (lab.yaml and state/ inside), removed by cleanup. */
  dir: string;
  configPath: string;
  stateDir: string;
  /** process.env plus LAB_CONFIG, LAB_ID and LAB_STATE, for lab commands run as child processes. */
  env: NodeJS.ProcessEnv;
  /** Opens the lab on this folder; cleanup destroys what this lab brought up. */
  open(log?: (line: string) => void): Promise<Lab>;
  /** Destroys the lab (opening it if no one did, as child processes may have brought it up) and removes the folder. */
  cleanup(): Promise<void>;
  /** What of this lab is still there (namespaces, links, mounts, processes, the provider's folder); empty = clean. */
  leftovers(): string[];
}

/**
 * A lab of its own in a temporary folder: writes `yaml` as its lab.yaml.
 * With `hook`, cleanup runs in hook.after; without (a before() at file level),
 * call cleanup() from after() yourself.
 */
export function tempLab(hook: AfterHook | undefined, o: { labId: string; yaml: string }): TempLab {
  const dir = mkdtempSync(join(tmpdir(), `crawl-lab-${o.labId}-`));
  const configPath = join(dir, 'lab.yaml');
  const stateDir = join(dir, 'state');
  writeFileSync(configPath, o.yaml);
  let opened: Lab | undefined;
  const open = async (log: (line: string) => void = () => {}) => {
    opened = await openLab({ configPath, labId: o.labId, stateDir, log });
    return opened;
  };
  const cleanup = async () => {
    try {
      const lab = opened ?? (await open());
      await lab.provider.destroy(lab.nodes).catch(() => {});
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  hook?.after(cleanup);
  return {
    labId: o.labId,
    dir,
    configPath,
    stateDir,
    env: { ...process.env, LAB_CONFIG: configPath, LAB_ID: o.labId, LAB_STATE: stateDir },
    open,
    cleanup,
    leftovers: () => leftovers(o.labId, join(stateDir, 'netns')),
  };
}
