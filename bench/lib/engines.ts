import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveSettings } from 'crawl-lab';
import { seedStartUrls } from 'crawl-lab/admin';
import type { Redis } from 'ioredis';
import { $, type ProcessPromise } from 'zx';
import { workerNodeArgs } from '../../lab/runner/worker-command.ts';
import { cpuMsOf, mainThreadSchedOf } from './procs.ts';

/**
 * One measured crawl of a benchmark site by W worker processes of one engine
 * (crawl-lab's bundled CLI, or Scrapy + scrapy-redis), both against the same
 * Redis and site, measured the same way from outside:
 * - crawl time: first to last request the site answered (polled every 20 ms),
 *   so neither engine's start-up nor scrapy-redis's idle wait before closing counts;
 * - CPU ms/page: each worker's user+system CPU (GNU time) minus what it had
 *   used by the first request (its start-up), over the pages it fetched;
 * - peak RSS: each worker's maximum resident set (GNU time %M);
 * - Redis round trips: INFO total_reads_processed delta (one pipelined batch is
 *   one read), and commands (total_commands_processed, Lua-internal calls included);
 * - duplicate fetches: from the site's own hit log;
 * - run-queue wait: how long the workers' main threads were runnable but waited
 *   for a CPU during the crawl (/proc schedstat), over the pages: on a shared
 *   machine, the part of the crawl time that is other processes' CPU, not the crawler's.
 */

export interface BenchSite {
  startUrl: string;
  requests(): number;
  /** GET count of each page fetched since the last reset. */
  hitCounts(): Promise<number[]>;
  resetHits(): Promise<void>;
}

export type Engine =
  | {
      kind: 'crawl-lab';
      /** how the tables name it */
      label: string;
      crawlMjs: string;
      spiderMjs: string;
      name: string;
      heapMb?: number;
      semiSpaceMb?: number;
      cpuProfDir?: string;
      /** extra `--set NAME=VALUE` settings */
      settings?: readonly string[];
    }
  | { kind: 'scrapy'; label: 'scrapy'; scrapy: string; spiderPy: string; name: string };

export interface Measured {
  pages: number;
  duplicates: number;
  items: number;
  seconds: number;
  pagesPerSecond: number;
  /** all workers' CPU over all pages */
  cpuMsPerPage: number;
  peakRssMb: number[];
  /** redis-server's own CPU (INFO cpu) over the pages */
  redisCpuMsPerPage: number;
  redisReadsPerPage: number;
  redisCommandsPerPage: number;
  /** workers' main threads: ms runnable but waiting for a CPU in the crawl window, over the pages; NaN where unknown */
  runQueueMsPerPage: number;
  failed: string[];
}

const POLL_MS = 20;

async function infoStats(redis: Redis): Promise<{ reads: number; commands: number; cpuMs: number }> {
  const info = await redis.info();
  const field = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  return {
    reads: field('total_reads_processed'),
    commands: field('total_commands_processed'),
    cpuMs: (field('used_cpu_user') + field('used_cpu_sys')) * 1000,
  };
}

function workerCommand(engine: Engine, redisUrl: string, index: number): { cmd: string[]; cwd?: string } {
  if (engine.kind === 'crawl-lab') {
    const args = [
      'run',
      engine.spiderMjs,
      '--redis',
      redisUrl,
      '--worker-id',
      `bench-${index}`,
      '--set',
      'logLevel=warn',
      '--set',
      'redisItemsEnabled=true',
      ...(engine.settings ?? []).flatMap((s) => ['--set', s]),
    ];
    const prof = engine.cpuProfDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', engine.cpuProfDir];
    return {
      cmd: [
        process.execPath,
        ...prof,
        ...workerNodeArgs(engine.crawlMjs, args, engine.heapMb, engine.semiSpaceMb),
      ],
    };
  }
  return { cmd: [engine.scrapy, 'runspider', engine.spiderPy, '-s', `REDIS_URL=${redisUrl}`] };
}

/** The worker under `pid`: the first descendant that is neither the shell nor GNU time. */
function workerUnder(pid: number | undefined): number | undefined {
  for (let depth = 0; pid !== undefined && depth < 4; depth++) {
    try {
      const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      if (!['time', 'sh', 'bash', 'dash'].includes(comm)) return pid;
      const kid = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/)[0];
      pid = kid ? Number(kid) : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

export async function measureCrawl(
  engine: Engine,
  workers: number,
  site: BenchSite,
  redis: Redis,
  redisUrl: string,
): Promise<Measured> {
  await redis.flushall();
  await site.resetHits();
  if (engine.kind === 'crawl-lab') {
    const { settings } = resolveSettings({ env: {}, flags: { redisUrl } });
    await seedStartUrls(redis, engine.name, settings, [site.startUrl]);
  } else await redis.lpush(`${engine.name}:start_urls`, site.startUrl);
  const before = await infoStats(redis);
  const dir = mkdtempSync(join(tmpdir(), 'h14-bench-'));
  const baseRequests = site.requests();
  const procs: {
    p: ProcessPromise;
    timeFile: string;
    pid?: number;
    startCpu?: number;
    startWait?: number;
    lastWait?: number;
  }[] = [];
  for (let i = 0; i < workers; i++) {
    const { cmd } = workerCommand(engine, redisUrl, i);
    const timeFile = join(dir, `time-${i}`);
    const p = $({
      quiet: true,
      nothrow: true,
      cwd: dir,
    })`/usr/bin/time -f ${'%U %S %M'} -o ${timeFile} ${cmd}`;
    procs.push({ p, timeFile });
  }
  let first = 0;
  let last = 0;
  let seen = baseRequests;
  let done = false;
  const all = Promise.all(procs.map((w) => w.p)).finally(() => {
    done = true;
  });
  while (!done) {
    const now = performance.now();
    const n = site.requests();
    for (const w of procs) w.pid ??= workerUnder(w.p.pid);
    if (n !== seen) {
      if (first === 0) {
        first = now;
        for (const w of procs)
          if (w.pid !== undefined) {
            w.startCpu = safeCpu(w.pid);
            w.startWait = mainThreadSchedOf(w.pid)?.runQueueMs;
          }
      }
      last = now;
      seen = n;
    }
    // the last reading before a worker exits stands for its whole crawl
    for (const w of procs)
      if (w.pid !== undefined) w.lastWait = mainThreadSchedOf(w.pid)?.runQueueMs ?? w.lastWait;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  const outputs = await all;
  const after = await infoStats(redis);
  const counts = await site.hitCounts();
  const pages = counts.reduce((a, b) => a + b, 0);
  // both engines push items to <spider>:items (crawl-lab's redisItemsEnabled, scrapy-redis's RedisPipeline)
  const items = await redis.llen(`${engine.name}:items`);
  let cpuMs = 0;
  const peakRssMb: number[] = [];
  const failed: string[] = [];
  procs.forEach((w, i) => {
    const [user, sys, rssKb] = readFileSync(w.timeFile, 'utf8')
      .trim()
      .split('\n')
      .at(-1)!
      .split(' ')
      .map(Number);
    cpuMs += (user! + sys!) * 1000 - (w.startCpu ?? 0);
    peakRssMb.push(Math.round(rssKb! / 1024));
    if (outputs[i]!.exitCode !== 0)
      failed.push(
        `worker ${i} exit ${outputs[i]!.exitCode}: ${outputs[i]!.stderr.trim().split('\n').slice(-3).join(' | ')}`,
      );
  });
  rmSync(dir, { recursive: true, force: true });
  const waited = procs.map((w) =>
    w.startWait === undefined || w.lastWait === undefined ? Number.NaN : w.lastWait - w.startWait,
  );
  const seconds = Math.max(0.001, (last - first) / 1000);
  return {
    pages,
    duplicates: counts.reduce((a, c) => a + Math.max(0, c - 1), 0),
    items,
    seconds,
    pagesPerSecond: pages / seconds,
    cpuMsPerPage: cpuMs / Math.max(1, pages),
    peakRssMb,
    redisCpuMsPerPage: (after.cpuMs - before.cpuMs) / Math.max(1, pages),
    redisReadsPerPage: (after.reads - before.reads) / Math.max(1, pages),
    redisCommandsPerPage: (after.commands - before.commands) / Math.max(1, pages),
    runQueueMsPerPage: waited.reduce((a, b) => a + b, 0) / Math.max(1, pages),
    failed,
  };
}

function safeCpu(pid: number): number | undefined {
  try {
    return cpuMsOf(pid);
  } catch {
    return undefined;
  }
}
