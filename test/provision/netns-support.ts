import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CrawlResult } from '../../lab/commands/crawl.ts';
import type { TruthCheck } from '../../lab/runner/truth-check.ts';
import type { LabNode } from '../../provision/types.ts';

/** Test helpers for the provider tests: nodes and "is anything of this lab left?" */

export function node(name: string, ip: string, role: LabNode['role'] = 'worker'): LabNode {
  return { name, role, ip, memoryMb: 512, cpus: 1 };
}

export const isRoot = process.getuid?.() === 0;

/**
 * The `skip` of a test that needs root: outside CI without root it skips and
 * says `why`; under CI=true it is never skipped (CI runs as root), so a missing
 * precondition fails the test there instead of passing in silence.
 */
export function rootSkip(why: string): string | false {
  if (process.env['CI'] === 'true') return false;
  return isRoot ? false : why;
}

/** Runs a command as `nobody` when the test runs as root (the no-root labs), else as this user. */
export const AS_NOBODY = isRoot
  ? ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', '--']
  : [];

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface CommandOut {
  code: number;
  stdout: string;
  stderr: string;
}

/** A lab command (argv) run as `nobody` from the repository root, with `env` over this process's environment. */
export function runAsNobody(argv: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<CommandOut> {
  const [file, ...args] = [...AS_NOBODY, ...argv];
  return new Promise((resolve) => {
    execFile(
      file!,
      args,
      { cwd: ROOT, env: { ...process.env, ...env }, timeout: timeoutMs },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/**
 * The structured truth check of a mini-Tieba crawl is exact: the item store
 * document by document and the site's hit log page by page, no difference named.
 */
export function assertTruthExact(truth: TruthCheck | undefined): asserts truth is TruthCheck {
  assert.ok(truth, 'the mini-Tieba crawl is checked against the truth');
  assert.deepEqual(truth.differences, [], 'no difference with the site truth');
  assert.equal(truth.exact, true);
  assert.equal(truth.store.found, truth.store.expected, 'every thread document in the store');
  assert.equal(truth.fetches.fetched, truth.fetches.expected, 'each page fetched once, by the site');
}

/**
 * lab:crawl --json's structured result (CrawlResult): exit 0, every worker ended
 * well, the truth check exact (the item store document by document and the
 * site's hit log page by page, no difference named), and every node fetched pages.
 */
export function assertCrawlSummary(crawl: CommandOut, nodes = ['master', 'worker1', 'worker2']): CrawlResult {
  assert.equal(crawl.code, 0, crawl.stdout + crawl.stderr);
  const result = JSON.parse(crawl.stdout.trim().split('\n').at(-1) ?? '') as CrawlResult;
  assert.ok(result.ok, crawl.stderr);
  assertTruthExact(result.truth);
  assert.ok(
    result.crawl?.workers.every((w) => w.exit === 0),
    JSON.stringify(result.crawl?.workers),
  );
  for (const node of nodes) assert.ok((result.crawl?.perNode[node] ?? 0) > 0, `${node} did part of the work`);
  return result;
}

/** Everything a netns lab with this id could leave behind, as readable strings (empty = clean). */
export function leftovers(labId: string, stateDir: string): string[] {
  const tag = `clab-${labId}`;
  const found: string[] = [];
  if (existsSync('/run/netns'))
    for (const ns of readdirSync('/run/netns')) if (ns.startsWith(`${tag}-`)) found.push(`namespace ${ns}`);
  for (const dev of readdirSync('/sys/class/net'))
    if (dev === tag || dev.startsWith(`${tag}-`)) found.push(`link ${dev}`);
  for (const line of readFileSync('/proc/mounts', 'utf8').split('\n'))
    if (line.includes(tag) || line.includes(stateDir)) found.push(`mount ${line}`);
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      if (cmd.includes(tag) || cmd.includes(stateDir)) found.push(`process ${pid}: ${cmd}`);
    } catch {
      // ended while scanning
    }
  }
  if (existsSync(stateDir)) found.push(`folder ${stateDir}`);
  return found;
}

/** Host PIDs whose command line contains every marker (daemons started inside nodes). */
export function pidsWith(...markers: string[]): number[] {
  const out: number[] = [];
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      if (markers.every((m) => cmd.includes(m))) out.push(Number(pid));
    } catch {
      // ended while scanning
    }
  }
  return out;
}
