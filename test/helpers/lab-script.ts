import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root folder. */
export const REPO = fileURLToPath(new URL('../..', import.meta.url));

export interface LabScriptResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Run one lab command as a learner does (`npm run lab:<name>` runs
 * scripts/lab/<name>.ts), as its own process with `env` added to this one's;
 * resolves with its exit code and output, never rejects.
 */
export function labScript(
  script: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd = REPO,
): Promise<LabScriptResult> {
  return startLabScript(script, args, env, cwd).done;
}

/** labScript, with the process to signal and its output so far (a test presses Ctrl-C mid-run). */
export function startLabScript(
  script: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd = REPO,
): { child: ChildProcess; stdout: () => string; done: Promise<LabScriptResult> } {
  // tsx by its full address: the child may run in a folder without node_modules
  const tsx = import.meta.resolve('tsx');
  const child = spawn(process.execPath, ['--import', tsx, join(REPO, 'scripts/lab', script), ...args], {
    env: { ...process.env, FORCE_COLOR: '0', ...env },
    cwd,
  });
  let stdout = '';
  let stderr = '';
  // decoded as a stream: a character split across two chunks stays whole
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const done = new Promise<LabScriptResult>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, stdout: () => stdout, done };
}
