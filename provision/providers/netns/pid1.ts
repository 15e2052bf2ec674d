import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { ProviderError } from '../../transports/errors.ts';

/**
 * The long-lived PID 1 of a stand-in host. `unshare` gives it fresh UTS, IPC,
 * PID and mount namespaces (inside the node's network namespace) and mounts a
 * /proc that shows only the node's processes; it sets the hostname, chroots
 * into the rootfs if any, and then waits forever as a small bash loop. Daemons
 * started later inside the node belong to its PID namespace, so they survive the
 * command that started them, and killing this one process (SIGKILL) ends every
 * process of the node.
 *
 * PID 1 must reap: a process whose parent dies is re-parented to it, and when it
 * ends it stays a zombie until PID 1 waits for it. `sleep infinity` never did, so
 * a killed worker's supervisor looked alive for ever (`kill -0` succeeds on a
 * zombie) and services could not be restarted. bash collects every ended child
 * (its own or adopted) each time it waits for the one-second sleep.
 */

/** $0 of the node's PID 1: how the provider recognises it (with the namespace check). */
const PID1_NAME = 'crawl-lab-pid1';
const PID1_LOOP = 'while :; do sleep 1; done';

export function holderArgv(namespace: string, hostname: string, rootfs: string | undefined): string[] {
  return [
    'ip',
    'netns',
    'exec',
    namespace,
    'unshare',
    '--uts',
    '--ipc',
    '--pid',
    '--fork',
    '--kill-child',
    '--propagation',
    'private',
    // the node's own /proc (inside the rootfs when there is one); implies --mount
    rootfs === undefined ? '--mount-proc' : `--mount-proc=${rootfs}/proc`,
    '--',
    'sh',
    '-c',
    'hostname "$0" && exec "$@"',
    hostname,
    ...(rootfs === undefined ? [] : ['chroot', rootfs]),
    'bash',
    '-c',
    PID1_LOOP,
    PID1_NAME,
  ];
}

/** Starts the holder detached and returns the host PID of the node's PID 1 once it runs its loop. */
export async function startHolder(
  argv: readonly string[],
  pidFile: string,
  namespace: string,
): Promise<number> {
  const [file, ...args] = argv as [string, ...string[]];
  const child = spawn(file, args, { detached: true, stdio: 'ignore' });
  child.unref();
  const parent = child.pid;
  if (parent === undefined)
    throw new ProviderError(`netns: could not start ${file}`, { hint: 'is iproute2 installed?' });
  // bounded wait: unshare forks PID 1, which execs sh, hostname, chroot and finally the bash loop
  for (let i = 0; i < 200; i++) {
    const pid = childOf(parent);
    if (pid !== undefined && isPid1(pid) && sameNetns(pid, namespace)) {
      await writeFile(pidFile, `${JSON.stringify({ unshare: parent, pid1: pid })}\n`);
      return pid;
    }
    if (child.exitCode !== null) break;
    await sleep(25);
  }
  killPid(parent);
  throw new ProviderError(`netns: PID 1 for ${namespace} did not start (${argv.join(' ')})`, {
    hint: 'run the command by hand to see its error; the rootfs may be incomplete (delete it and re-run lab:up)',
  });
}

/** PID 1 of a running node, checked against its network namespace so a reused PID is never trusted. */
export async function readHolder(pidFile: string, namespace: string): Promise<number | undefined> {
  let saved: { unshare: number; pid1: number };
  try {
    saved = JSON.parse(await readFile(pidFile, 'utf8')) as typeof saved;
  } catch {
    return undefined;
  }
  const pid = saved.pid1;
  return isPid1(pid) && sameNetns(pid, namespace) ? pid : undefined;
}

/** Kills the node's PID 1 (and with it every process of the node), then its unshare parent. */
export async function stopHolder(pidFile: string, namespace: string): Promise<boolean> {
  let saved: { unshare: number; pid1: number } | undefined;
  try {
    saved = JSON.parse(await readFile(pidFile, 'utf8')) as typeof saved;
  } catch {
    saved = undefined;
  }
  let stopped = false;
  if (saved && (await readHolder(pidFile, namespace)) !== undefined) {
    killPid(saved.pid1);
    stopped = true;
    // unshare exits once PID 1 is gone; SIGKILL it if it lingers (it ignores SIGTERM)
    for (let i = 0; i < 100 && comm(saved.unshare) === 'unshare'; i++) await sleep(20);
    if (comm(saved.unshare) === 'unshare') killPid(saved.unshare);
  }
  await rm(pidFile, { force: true });
  return stopped;
}

function killPid(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function isPid1(pid: number): boolean {
  if (comm(pid) !== 'bash') return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(PID1_NAME);
  } catch {
    return false;
  }
}

function comm(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function sameNetns(pid: number, namespace: string): boolean {
  try {
    return statSync(`/proc/${pid}/ns/net`).ino === statSync(`/run/netns/${namespace}`).ino;
  } catch {
    return false;
  }
}

/** The child of `parent` (no /proc/<pid>/task/<pid>/children on every kernel: scan stat files). */
function childOf(parent: number): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // field 4 (ppid) follows the ")" that closes the command name
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent) return Number(entry);
    } catch {
      // process ended while scanning
    }
  }
  return undefined;
}
