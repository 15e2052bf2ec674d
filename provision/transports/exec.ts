import { spawn } from 'node:child_process';
import type { RunOptions, RunResult } from '../types.ts';
import { NodeCommandError } from './errors.ts';

/**
 * Runs an argument vector with child_process (no shell), the one place every
 * transport ends up: stdin from `input`, extra `env`, a timeout that kills the
 * whole process group, and `nothrow`. Output is kept as text.
 */
export interface ExecOptions extends RunOptions {
  /** Node name for error messages. */
  node: string;
  /** The full environment (replaces process.env); `env` from RunOptions is added on top. */
  baseEnv?: NodeJS.ProcessEnv;
  cwd?: string;
  /** The argv as the user asked for it (shown in errors instead of the wrapped one). */
  shownArgv?: readonly string[];
}

export function execArgv(argv: readonly string[], options: ExecOptions): Promise<RunResult> {
  const [file, ...args] = argv;
  if (file === undefined) throw new TypeError('execArgv: argv is empty; pass at least the program name');
  const env = { ...(options.baseEnv ?? process.env), ...options.env };
  const shown = options.shownArgv ?? argv;
  return new Promise((resolve, reject) => {
    // detached: own process group, so a timeout kills the command and its children together.
    const child = spawn(file, args, {
      env,
      cwd: options.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    if (options.timeoutMs !== undefined) {
      timer = setTimeout(() => {
        timedOut = true;
        if (child.pid !== undefined) killGroup(child.pid);
      }, options.timeoutMs);
    }
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.stdin.on('error', () => {}); // the command may exit without reading its input (EPIPE)
    child.stdin.end(options.input ?? '');
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(
        new NodeCommandError(
          { node: options.node, argv: shown, exitCode: -1, stdout: '', stderr: '', why: `could not start` },
          { hint: `check that ${file} is installed and on PATH`, cause: error },
        ),
      );
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const result: RunResult = {
        exitCode: code ?? 128 + signalNumber(signal),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      };
      if (timedOut) {
        reject(
          new NodeCommandError(
            { node: options.node, argv: shown, ...result, why: `timed out after ${options.timeoutMs} ms` },
            { hint: 'raise timeoutMs for this step or find out why the command hangs' },
          ),
        );
      } else if (result.exitCode !== 0 && !options.nothrow) {
        reject(new NodeCommandError({ node: options.node, argv: shown, ...result }));
      } else resolve(result);
    });
  });
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function signalNumber(signal: NodeJS.Signals | null): number {
  const map: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
  return (signal && map[signal]) ?? 0;
}

/** `bash -euo pipefail` with the script on stdin: the Transport.script contract. */
export const SCRIPT_ARGV = ['bash', '-euo', 'pipefail', '-s'] as const;
