import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { join } from 'node:path';
import { chooseProvider } from '../../choose-provider.ts';
import { loadLabConfig } from '../../config/index.ts';
import { labEnv } from '../../lab-env.ts';
import { NetnsProvider } from './provider.ts';
import { isHostRoot, isInside, readOuter, startOuter } from './rootless.ts';

/**
 * Lab commands of a rootless netns lab run INSIDE the lab's user + network +
 * mount namespace (rootless.ts): only there do the nodes' addresses, the
 * bridge and /run/netns exist. Rather than teach every piece of code (provider,
 * transports, the host-side Redis client of lab:crawl, the /__truth fetch, the
 * dashboard) to reach in, the command re-executes itself in there with nsenter,
 * and all the existing code runs unchanged as the namespace's root.
 *
 * Not for root labs (root has the real network) and not when already inside.
 */

/** Commands that may create the namespace (the others only enter an existing one). */
const STARTERS = new Set(['up', 'lab']);
/** Commands that look at this host itself and stay outside. */
const OUTSIDE = new Set(['doctor', 'demo']);

/** The netns provider's folder of the lab in LAB_STATE (registry.ts: <state>/netns). */
export function rootlessDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(labEnv({}, env).stateDir, 'netns');
}

/** The nsenter argv that re-runs this very command inside the holder `pid`, in the same working directory. */
export function reenterArgv(pid: number, argv: readonly string[] = process.argv): string[] {
  return [
    'nsenter',
    `--target=${pid}`,
    '--user',
    '--net',
    '--mount',
    // keep our uid: it is the one user mapped to root in there
    '--preserve-credentials',
    // entering a mount namespace resets the working directory to /
    `--wd=${process.cwd()}`,
    '--',
    process.execPath,
    ...process.execArgv,
    ...argv.slice(1),
  ];
}

/**
 * When this lab is a rootless netns lab and this process is not inside it,
 * run the same command inside it and return its exit code; otherwise return
 * undefined and let the caller go on. `up` and `lab` also create the
 * namespace when the lab will be rootless netns and it does not exist yet.
 */
export async function enterRootlessLab(
  command: string,
  argv: readonly string[] = process.argv,
): Promise<number | undefined> {
  if (process.platform !== 'linux' || isHostRoot() || OUTSIDE.has(command)) return undefined;
  const dir = rootlessDir();
  let outer = await readOuter(dir);
  if (outer?.alive && isInside(outer)) return undefined;
  if (!outer?.alive) {
    if (!STARTERS.has(command) || argv.includes('--dry-run')) return undefined;
    const where = labEnv();
    const config = loadLabConfig(where.configPath);
    const { provider } = await chooseProvider(config, { config, ...where });
    // this file is the netns provider's own: it may know its class
    if (!(provider instanceof NetnsProvider && provider.rootless)) return undefined;
    outer = { ...(await startOuter(dir)), alive: true };
  }
  const [file, ...args] = reenterArgv(outer.pid, argv) as [string, ...string[]];
  const child = spawn(file, args, { stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0)),
    );
  });
}
