import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { execArgv } from './transports/exec.ts';
import type { RunResult } from './types.ts';

/**
 * Host probes for provider detection and lab:doctor. `env` is a parameter (not
 * process.env read here and there) so tests point PATH at a folder of fake
 * tools; only PATH is read from it.
 */
export type HostEnv = Readonly<Record<string, string | undefined>>;

/** Absolute path of an executable named `tool` on env.PATH (plus `extraDirs`), like `command -v`. */
export function which(
  tool: string,
  env: HostEnv = process.env,
  extraDirs: readonly string[] = [],
): string | undefined {
  const dirs = [...(env['PATH'] ?? '').split(delimiter).filter(Boolean), ...extraDirs];
  for (const dir of dirs) {
    const file = join(dir, tool);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Run a probe (never throws; a tool that hangs is killed after `timeoutMs`). */
export async function probe(
  file: string,
  args: readonly string[],
  env: HostEnv = process.env,
  timeoutMs = 15_000,
): Promise<RunResult> {
  try {
    return await execArgv([file, ...args], {
      node: 'host',
      nothrow: true,
      timeoutMs,
      baseEnv: { ...process.env, PATH: env['PATH'] ?? '' },
    });
  } catch (error) {
    return { exitCode: -1, stdout: '', stderr: error instanceof Error ? error.message : String(error) };
  }
}

/** First x.y.z in a tool's version output ("Vagrant 2.3.4", "7.0.14r161095"). */
export function versionIn(text: string): string | undefined {
  return /(\d+\.\d+(?:\.\d+)?)/.exec(text)?.[1];
}

/** Compare dotted versions numerically: negative when a < b. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
