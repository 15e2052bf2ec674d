import { fileURLToPath } from 'node:url';
import { $, type ProcessPromise } from 'zx';
import type { RunSummary } from '../../crawler/engine/engine.ts';
import { inspectCrawl, seedStartUrls } from '../../crawler/scheduler/admin.ts';
import { resolveSettings } from '../../crawler/settings/load.ts';
import { startSite } from '../../crawler/site/server.ts';
import { workerNodeArgs } from '../../provision/worker-command.ts';
import { buildCrawler } from '../build.ts';
import { startRedis } from './redis-server.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface LocalCrawlOptions {
  workers: number;
  listPages: number;
  latencyMs: number;
  /** Old-generation heap cap per worker in MB (0 = V8 default); default WORKER_HEAP_MB. */
  heapMb?: number;
  /** Extra `--set NAME=VALUE` for every worker. */
  set?: string[];
  /** Render every page of the site once before the crawl, so the site's own CPU stays out of the figures. */
  warmSite?: boolean;
  /** Called about once a second while the crawl runs. */
  onProgress?: (p: {
    pages: number;
    items: number;
    queue: number;
    elapsedMs: number;
    perWorker: Record<string, number>;
  }) => void;
}

export interface WorkerReport extends RunSummary {
  exitCode: number;
}

export interface LocalCrawlResult {
  workers: WorkerReport[];
  crawl: Record<string, number | string>;
  truthPages: number;
  truthThreads: number;
  wallMs: number;
}

/**
 * One distributed crawl on this machine: a private redis-server, the mini-Tieba
 * site, `crawl seed`, then N `crawl run tieba` worker processes. Used by
 * `npm run demo` and `npm run bench`; everything stops by itself.
 */
export async function runLocalCrawl(options: LocalCrawlOptions): Promise<LocalCrawlResult> {
  const cli = await buildCrawler();
  const redisServer = await startRedis();
  const site = await startSite({
    host: '127.0.0.1',
    port: 0,
    listPages: options.listPages,
    latencyMs: options.latencyMs,
    cacheMb: 1024,
  });
  if (options.warmSite) await warmSite(site);
  const admin = redisServer.client();
  const children: ProcessPromise[] = [];
  try {
    const { settings } = resolveSettings({ env: {}, cwd: ROOT, flags: { redisUrl: redisServer.url } });
    await seedStartUrls(admin, 'tieba', settings, [
      JSON.stringify({ url: site.startUrl, meta: { maxListPages: options.listPages, allPages: true } }),
    ]);
    const sets = ['logLevel=warn', ...(options.set ?? [])].flatMap((s) => ['--set', s]);
    const started = Date.now();
    for (let i = 1; i <= options.workers; i++) {
      const args = [
        'run',
        'tieba',
        '--redis',
        redisServer.url,
        '--worker-id',
        `worker${i}`,
        '--json',
        ...sets,
      ];
      children.push(
        $({
          cwd: ROOT,
          nothrow: true,
          quiet: true,
        })`${process.execPath} ${workerNodeArgs(cli, args, options.heapMb)}`,
      );
    }
    let done = false;
    const all = Promise.all(children).finally(() => (done = true));
    while (!done && options.onProgress) {
      await Promise.race([all, new Promise((r) => setTimeout(r, 1000))]);
      if (done) break;
      const info = await inspectCrawl(admin, 'tieba', settings);
      const stat = (k: string) => Number(info.stats[k] ?? 0);
      const perWorker: Record<string, number> = {};
      for (let i = 1; i <= options.workers; i++)
        perWorker[`worker${i}`] = stat(`worker/worker${i}/response_received_count`);
      options.onProgress({
        pages: stat('response_received_count'),
        items: stat('item_scraped_count'),
        queue: info.queueLength,
        elapsedMs: Date.now() - started,
        perWorker,
      });
    }
    const outputs = await all;
    const wallMs = Date.now() - started;
    const workers = outputs.map((out) => {
      const line = out.stdout.trim().split('\n').at(-1) ?? '';
      let parsed: RunSummary;
      try {
        parsed = JSON.parse(line) as RunSummary;
      } catch {
        throw new Error(
          `a worker exited ${out.exitCode} without a summary; its stderr ends:\n${out.stderr.slice(-2000)}`,
        );
      }
      return { ...parsed, exitCode: out.exitCode ?? -1 };
    });
    const crawl = (await inspectCrawl(admin, 'tieba', settings)).stats;
    return {
      workers,
      crawl,
      truthPages: site.truth.pages.total,
      truthThreads: site.truth.threads.count,
      wallMs,
    };
  } finally {
    // zx 8: a ProcessPromise's exitCode is itself a promise; ask the child process whether it still runs
    for (const c of children) {
      const child = c.child;
      if (child && child.exitCode === null && child.signalCode === null)
        void c.kill('SIGKILL').catch(() => {});
    }
    admin.disconnect();
    await site.close();
    await redisServer.stop();
  }
}

/** Fetch every URL a full crawl fetches, once, so the site serves them from its cache afterwards. */
async function warmSite(site: Awaited<ReturnType<typeof startSite>>): Promise<void> {
  const urls: string[] = [];
  const { forum, listPages, threadsPerPage } = site.truth;
  for (let p = 0; p < listPages; p++)
    urls.push(`${site.url}/f?kw=${encodeURIComponent(forum.name)}&ie=utf-8&pn=${p * threadsPerPage}`);
  for (const doc of site.truthDocuments()) {
    for (let pn = 1; pn <= doc.pages; pn++) {
      urls.push(pn === 1 ? `${site.url}/p/${doc.tid}` : `${site.url}/p/${doc.tid}?pn=${pn}`);
      urls.push(`${site.url}/p/totalComment?tid=${doc.tid}&fid=${forum.fid}&pn=${pn}&see_lz=0`);
    }
  }
  for (let i = 0; i < urls.length; i += 32) {
    await Promise.all(urls.slice(i, i + 32).map(async (u) => (await fetch(u)).arrayBuffer()));
  }
}
