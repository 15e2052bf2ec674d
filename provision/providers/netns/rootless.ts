import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ProviderError } from '../../transports/errors.ts';
import { execArgv } from '../../transports/exec.ts';

/**
 * The netns provider without root (this-machine.md §2 "Rootless"). An
 * unprivileged user may create a user namespace in which it is root, and in it
 * network and mount namespaces. One long-lived "outer holder" process owns that
 * user + network + mount namespace: the lab's bridge and the nodes' namespaces
 * live inside it, /run inside it is a private tmpfs (so `ip netns add` can make
 * /run/netns), and the host's network is never touched. Lab commands enter it
 * with nsenter (rootless-enter.ts) and then run the usual code as mapped root.
 *
 * Everything of the lab ends when the last process in that user namespace ends,
 * so stopping it means killing every process in it (stopOuter), not just the
 * holder: node daemons would otherwise keep it alive.
 */

/** $0 of the holder's loop: how it is recognised (with its user namespace). */
const OUTER_NAME = 'crawl-lab-outer';
const LOOP = 'while :; do sleep 1; done';

export interface OuterHolder {
  /** Host PID of the holder. */
  pid: number;
  /** readlink of its /proc/<pid>/ns/user, e.g. "user:[4026532177]". */
  userns: string;
}

/** True only for root of the host itself (uid 0 with the identity uid map), not mapped root in a user namespace. */
export function isHostRoot(): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    const map = readFileSync('/proc/self/uid_map', 'utf8').trim().split(/\s+/);
    return map[0] === '0' && map[1] === '0' && map[2] === '4294967295';
  } catch {
    return false;
  }
}

export function outerFile(providerDir: string): string {
  return join(providerDir, 'outer.json');
}

/** The command that starts the holder; `stateDir` is in its argv so `ps` shows which lab it is. */
export function outerArgv(providerDir: string): string[] {
  return [
    'unshare',
    '--user',
    '--map-root-user',
    '--net',
    '--mount',
    '--propagation',
    'private',
    '--',
    'sh',
    '-c',
    'mount -t tmpfs -o mode=755 tmpfs /run && mount -t sysfs sysfs /sys && ip link set lo up && exec bash -c "$0" "$1" "$2"',
    LOOP,
    OUTER_NAME,
    providerDir,
  ];
}

function nsOf(pid: number | 'self', kind: 'user' | 'net'): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/${kind}`);
  } catch {
    return undefined;
  }
}

function isOuter(pid: number, providerDir: string): boolean {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return argv.includes(OUTER_NAME) && argv.includes(providerDir);
  } catch {
    return false;
  }
}

/** The lab's recorded holder: `alive` only when that PID still is the holder in the recorded user namespace. */
export async function readOuter(
  providerDir: string,
): Promise<(OuterHolder & { alive: boolean }) | undefined> {
  let saved: OuterHolder;
  try {
    saved = JSON.parse(await readFile(outerFile(providerDir), 'utf8')) as OuterHolder;
  } catch {
    return undefined;
  }
  const alive = isOuter(saved.pid, providerDir) && nsOf(saved.pid, 'user') === saved.userns;
  return { ...saved, alive };
}

/** Is this process inside the holder's user and network namespaces? */
export function isInside(outer: OuterHolder): boolean {
  return nsOf('self', 'user') === outer.userns && nsOf('self', 'net') === nsOf(outer.pid, 'net');
}

/** Can this user make user namespaces here? (Debian: kernel.unprivileged_userns_clone; everywhere: user.max_user_namespaces.) */
export async function userNamespacesWork(): Promise<{ ok: boolean; why: string }> {
  const r = await execArgv(['unshare', '--user', '--map-root-user', '--net', '--', 'true'], {
    node: 'host',
    nothrow: true,
    timeoutMs: 10_000,
  });
  return r.exitCode === 0
    ? { ok: true, why: 'unprivileged user namespaces work' }
    : {
        ok: false,
        why: `unshare --user --map-root-user --net failed: ${r.stderr.trim() || `exit ${r.exitCode}`}`,
      };
}

/** Starts the holder detached (idempotent) and records it in <providerDir>/outer.json. */
export async function startOuter(providerDir: string): Promise<OuterHolder> {
  const known = await readOuter(providerDir);
  if (known?.alive) return known;
  await mkdir(providerDir, { recursive: true });
  const [file, ...args] = outerArgv(providerDir) as [string, ...string[]];
  const child = spawn(file, args, { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  child.unref();
  const pid = child.pid;
  const ours = nsOf('self', 'user');
  // bounded wait: unshare execs sh, which mounts /run and execs the bash loop
  for (let i = 0; pid !== undefined && i < 200 && child.exitCode === null; i++) {
    const userns = nsOf(pid, 'user');
    if (isOuter(pid, providerDir) && userns !== undefined && userns !== ours) {
      child.stderr?.destroy();
      const outer = { pid, userns };
      await writeFile(outerFile(providerDir), `${JSON.stringify(outer)}\n`);
      return outer;
    }
    await sleep(25);
  }
  if (pid !== undefined) killPid(pid);
  throw new ProviderError(`netns (rootless): the lab's user namespace did not start: ${stderr.trim()}`, {
    hint: 'check that unprivileged user namespaces are allowed (npm run lab:doctor), or run as root',
  });
}

/**
 * Ends the rootless lab: SIGKILL to every process in the holder's user
 * namespace (node PID 1s take their nodes' daemons with them), except this
 * process and its ancestors (a command that entered the namespace to destroy
 * it). Returns how many processes it killed.
 */
export async function stopOuter(providerDir: string): Promise<number> {
  const outer = await readOuter(providerDir);
  let killed = 0;
  if (outer) {
    const spare = ancestors(process.pid);
    // bounded: processes may fork while we kill; a few rounds catch them
    for (let round = 0; round < 5; round++) {
      const victims = pidsInUserns(outer.userns).filter((p) => !spare.has(p));
      if (victims.length === 0) break;
      for (const p of victims) if (killPid(p)) killed++;
      await sleep(50);
    }
  }
  await rm(outerFile(providerDir), { force: true });
  return killed;
}

function pidsInUserns(userns: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    if (nsOf(Number(entry), 'user') === userns) out.push(Number(entry));
  }
  return out;
}

function ancestors(pid: number): Set<number> {
  const seen = new Set<number>();
  for (let p = pid; p > 1 && !seen.has(p); p = parentOf(p)) seen.add(p);
  return seen;
}

function parentOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // field 4 (ppid) follows the ")" that closes the command name
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return 0;
  }
}

function killPid(pid: number): boolean {
  try {
    process.kill(pid, 'SIGKILL');
    return true;
  } catch {
    return false;
  }
}
