import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { LabNode, RunOptions, RunResult, Transport } from '../types.ts';
import { execArgv, SCRIPT_ARGV } from './exec.ts';

/** Runs commands directly on this machine (the `local` provider, and host-side work of the others). */
export class LocalTransport implements Transport {
  readonly node: LabNode;
  readonly #cwd: string | undefined;

  constructor(node: LabNode, options: { cwd?: string } = {}) {
    this.node = node;
    this.#cwd = options.cwd;
  }

  run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    return execArgv(argv, { ...options, node: this.node.name, cwd: this.#cwd });
  }

  script(text: string, options: RunOptions = {}): Promise<RunResult> {
    return this.run(SCRIPT_ARGV, { ...options, input: text });
  }

  /** Copies a file or a directory's contents to `remotePath` (rsync: only what changed). */
  async copy(localPath: string, remotePath: string): Promise<void> {
    await copyTree(this.node.name, localPath, remotePath);
  }

  async close(): Promise<void> {}
}

/**
 * Host-side copy shared by local and netns transports. A directory's contents land
 * in `to` (rsync's trailing-slash rule), a file lands at `to`; rsync skips
 * unchanged files so re-deploying is cheap.
 */
export async function copyTree(node: string, from: string, to: string): Promise<void> {
  const { stat } = await import('node:fs/promises');
  const isDir = (await stat(from)).isDirectory();
  await mkdir(isDir ? to : dirname(to), { recursive: true });
  await execArgv(['rsync', '-a', isDir ? `${from}/` : from, isDir ? `${to}/` : to], {
    node,
    shownArgv: ['copy', from, to],
  });
}
