import { fileURLToPath } from 'node:url';
import { isCrawlError } from '../../crawler/errors.ts';
import { redact } from '../../crawler/log.ts';
import { enterRootlessLab } from '../../provision/providers/netns/rootless-enter.ts';

/**
 * Run a lab command: print a failure as "what failed + fix", set the exit code, never process.exit().
 * A rootless netns lab's commands re-run themselves inside the lab's user namespace first (rootless-enter.ts).
 */
export async function runLabCommand(name: string, body: () => Promise<number>): Promise<void> {
  try {
    process.exitCode = (await enterRootlessLab(name)) ?? (await body());
  } catch (error) {
    const text = isCrawlError(error)
      ? error.explain()
      : error instanceof Error
        ? (error.stack ?? error.message)
        : String(error);
    console.error(redact(`lab:${name}: ${text}`));
    process.exitCode = isCrawlError(error) && error.name.includes('Config') ? 2 : 1;
  }
}

/** True when this module is the script node was asked to run (not imported by another command). */
export function isMain(moduleUrl: string): boolean {
  return process.argv[1] !== undefined && fileURLToPath(moduleUrl) === process.argv[1];
}
