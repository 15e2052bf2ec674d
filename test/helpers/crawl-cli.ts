import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startHttp, type TestServer } from './http.ts';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = fileURLToPath(new URL('../../crawler/cli/main.ts', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliProcess {
  child: ChildProcess;
  done: Promise<CliResult>;
}

/** Run the real `crawl` CLI as a child process (tsx), the way a user or the lab does. */
export function crawlCli(args: string[], env: Record<string, string> = {}): CliProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env, FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliResult>((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

/** The JSON summary a worker prints with --json (last stdout line). */
export function summaryOf(result: CliResult): Record<string, unknown> & {
  reason: string;
  local: Record<string, number>;
  crawl: Record<string, number>;
} {
  const line = result.stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(line);
  } catch {
    throw new Error(
      `no JSON summary (exit ${result.code}, signal ${result.signal}); stderr:\n${result.stderr.slice(-3000)}`,
    );
  }
}

/** Resolve when `predicate` holds, polling; reject after `ms`. */
export async function waitFor(
  predicate: () => boolean | Promise<boolean>,
  ms: number,
  what: string,
): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await predicate()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

/** A site of two pages on 127.0.0.1: `/` links to `/1`; closed after the test. */
export async function twoPageSite(t: TestContext): Promise<TestServer> {
  const srv = await startHttp((q, res) =>
    res.writeHead(200, { 'content-type': 'text/html' }).end(q.url === '/' ? '<a href="/1">one</a>' : 'x'),
  );
  t.after(() => srv.close());
  return srv;
}

/**
 * A spider file `name` holding `source`, in a temporary folder of its own
 * outside the repository (removed after the test), as a user writes one.
 */
export function spiderFile(t: TestContext, name: string, source: string): { dir: string; spider: string } {
  const dir = mkdtempSync(join(tmpdir(), 'crawl-lab-spider-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const spider = join(dir, name);
  writeFileSync(spider, source);
  return { dir, spider };
}
