import { CrawlError, type ErrorDetails } from '../../common/errors.ts';

/**
 * Errors of the lab's machinery. `NodeCommandError` names the node, the command
 * and the tail of its stderr so a failed step reads like
 * "worker2: apt-get install … exited 100: Could not get lock …".
 */

const TAIL = 800;

/** A provider could not create, stop or remove a machine (not root, tool missing, …). */
export class ProviderError extends CrawlError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('CRAWL_E_PROVIDER', message, details);
  }
}

/** A command run through a transport failed (non-zero exit, signal, timeout, spawn error). */
export class NodeCommandError extends CrawlError {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  constructor(
    info: {
      node: string;
      argv: readonly string[];
      exitCode: number;
      stdout: string;
      stderr: string;
      why?: string;
    },
    details: ErrorDetails = {},
  ) {
    const tail = info.stderr.trim().slice(-TAIL);
    const cmd = info.argv.join(' ').slice(0, 300);
    const what = info.why ?? `exited ${info.exitCode}`;
    super('CRAWL_E_NODE_COMMAND', `${info.node}: \`${cmd}\` ${what}${tail ? `: ${tail}` : ''}`, {
      node: info.node,
      exitCode: info.exitCode,
      ...details,
    });
    this.exitCode = info.exitCode;
    this.stdout = info.stdout;
    this.stderr = info.stderr;
  }
}
