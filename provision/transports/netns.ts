import { dirname, join, posix } from 'node:path';
import type { LabNode, RunOptions, RunResult, Transport } from '../types.ts';
import { ProviderError } from './errors.ts';
import { execArgv, SCRIPT_ARGV } from './exec.ts';
import { copyTree } from './local.ts';

/**
 * Runs commands inside one netns stand-in host. Every node has a long-lived
 * PID 1 (started by the netns provider) that owns the node's network, UTS
 * (hostname), IPC, PID and mount namespaces and, with a Debian root filesystem,
 * is chrooted into it. A command enters all of them with nsenter, so what runs
 * here sees the node's address, hostname, processes and files — as on a VM —
 * and daemons it starts outlive the command (they belong to PID 1's namespace).
 */

export interface NetnsNodeHandle {
  /** The node's root filesystem on the host, when it has one. */
  rootfs: string | undefined;
  /** Host PID of the node's PID 1, or undefined when the node is not up. */
  pid1(): Promise<number | undefined>;
  /**
   * Rootless lab: this process is root of a user namespace where the host's
   * other users (the owners of the files copied) are not mapped, so copies keep
   * no owner or group (rsync could not chown to them).
   */
  rootless?: boolean;
}

/** The environment a command gets inside a rootfs node: the node's, not the host's. */
const ROOTFS_ENV: NodeJS.ProcessEnv = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  HOME: '/root',
  LANG: 'C.UTF-8',
};

/** The nsenter prefix that puts a command inside the node (exported for plans and tests). */
export function enterArgv(pid1: number, hasRootfs: boolean, internet = false): string[] {
  return [
    'nsenter',
    `--target=${pid1}`,
    '--mount',
    '--uts',
    '--ipc',
    '--pid',
    // internet: stay in the host's network namespace (the stand-in's NAT, see docs/providers.md)
    ...(internet ? [] : ['--net']),
    // PID 1's root and working directory are the chroot: enter them too
    ...(hasRootfs ? ['--root', '--wd'] : []),
    '--',
  ];
}

export class NetnsTransport implements Transport {
  readonly node: LabNode;
  readonly #handle: NetnsNodeHandle;

  constructor(node: LabNode, handle: NetnsNodeHandle) {
    this.node = node;
    this.#handle = handle;
  }

  /** `options.internet`: run with the host's network (package downloads); the node's namespaces otherwise. */
  async run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    const pid = await this.#pid1();
    const rootfs = this.#handle.rootfs;
    return execArgv([...enterArgv(pid, rootfs !== undefined, options.internet), ...argv], {
      ...options,
      node: this.node.name,
      shownArgv: argv,
      baseEnv: rootfs === undefined ? process.env : ROOTFS_ENV,
    });
  }

  script(text: string, options: RunOptions = {}): Promise<RunResult> {
    return this.run(SCRIPT_ARGV, { ...options, input: text });
  }

  /**
   * Copies from the host into the node. With a rootfs the destination is resolved
   * INSIDE the node first (realpath in the chroot), so a symlink in the node such
   * as /var/run -> /run can never make the copy land in the host's own /run.
   */
  async copy(localPath: string, remotePath: string): Promise<void> {
    if (!posix.isAbsolute(remotePath))
      throw new ProviderError(`${this.node.name}: copy destination "${remotePath}" is not absolute`, {
        hint: 'pass an absolute path on the node, e.g. /opt/crawl-lab',
      });
    const rootfs = this.#handle.rootfs;
    if (rootfs === undefined && this.#handle.rootless)
      return copyUnowned(this.node.name, localPath, remotePath);
    if (rootfs === undefined) return copyTree(this.node.name, localPath, remotePath);
    const { stat } = await import('node:fs/promises');
    const isDir = (await stat(localPath)).isDirectory();
    const anchor = isDir ? remotePath : dirname(remotePath);
    const resolved = (await this.run(['realpath', '-m', '--', anchor])).stdout.trim();
    const inside = isDir ? resolved : posix.join(resolved, posix.basename(remotePath));
    await copyTree(this.node.name, localPath, join(rootfs, inside));
  }

  async close(): Promise<void> {}

  async #pid1(): Promise<number> {
    const pid = await this.#handle.pid1();
    if (pid === undefined)
      throw new ProviderError(`${this.node.name}: the node is not running (no PID 1 for its namespaces)`, {
        hint: 'bring the lab up first: npm run lab:up',
        node: this.node.name,
      });
    return pid;
  }
}

/** copyTree without owners and groups: the copies belong to whoever copies (rootless labs). */
async function copyUnowned(node: string, from: string, to: string): Promise<void> {
  const { mkdir, stat } = await import('node:fs/promises');
  const isDir = (await stat(from)).isDirectory();
  await mkdir(isDir ? to : dirname(to), { recursive: true });
  await execArgv(
    ['rsync', '-a', '--no-owner', '--no-group', isDir ? `${from}/` : from, isDir ? `${to}/` : to],
    {
      node,
      shownArgv: ['copy', from, to],
    },
  );
}
