import { connectAdmin } from '../crawler/redis-admin.ts';
import { inspectCrawl, resetCrawl, seedStartUrls } from '../crawler/scheduler/admin.ts';
import { resolveSettings } from '../crawler/settings/load.ts';
import { type Lab, masterOf, redisUrlOf } from './lab.ts';
import { serviceState, startService, stopService } from './services.ts';
import { APP_DIR, NODE_BIN } from './steps/crawler.ts';
import type { LabNode } from './types.ts';
import { workerNodeArgs } from './worker-command.ts';

const SPIDER = 'tieba';
const REAL_TIEBA = 'https://tieba.baidu.com/f?kw=%E8%81%8A%E5%A4%A9&ie=utf-8&pn=0';

export interface CrawlProgress {
  elapsedMs: number;
  pages: number;
  items: number;
  queue: number;
  fingerprints: number;
  /** pages per second per node over the last interval */
  perNode: Record<string, { pages: number; rate: number }>;
}

export interface LabCrawlResult {
  elapsedMs: number;
  pages: number;
  items: number;
  duplicatesFiltered: number;
  perNode: Record<string, number>;
  workers: { id: string; node: string; exit: number | 'running' | 'stopped' }[];
  /** Pages a complete crawl of the mini site fetches, when that is the target. */
  expectedPages: number | undefined;
  itemSink: string;
}

interface WorkerRef {
  node: LabNode;
  id: string;
  service: string;
}

function workersOf(lab: Lab): WorkerRef[] {
  const out: WorkerRef[] = [];
  for (const node of lab.nodes) {
    for (let i = 1; i <= lab.config.crawl.workersPerNode; i++) {
      out.push({ node, id: `${node.name}-${i}`, service: `worker-${i}` });
    }
  }
  return out;
}

/**
 * lab:crawl: reset (or resume) the crawl state, seed the start URL, start the
 * workers on every node, report progress, wait for the distributed crawl to
 * finish (every worker exits by itself), and summarise.
 */
export async function labCrawl(
  lab: Lab,
  options: { resume: boolean; onProgress: (p: CrawlProgress) => void },
): Promise<LabCrawlResult> {
  const master = masterOf(lab);
  const redisUrl = redisUrlOf(lab);
  const { settings } = resolveSettings({ env: {}, flags: { redisUrl } });
  const admin = await connectAdmin(redisUrl);
  const workers = workersOf(lab);
  const t = (n: LabNode) => lab.provider.transport(n);
  try {
    for (const w of workers) await stopService(t(w.node), w.service);
    if (!options.resume) await resetCrawl(admin, SPIDER, settings);
    const mini = lab.config.crawl.target === 'mini-tieba';
    const start = mini
      ? `http://${master.ip}:${lab.config.site.port}/f?kw=${encodeURIComponent('聊天')}&ie=utf-8&pn=0`
      : REAL_TIEBA;
    const meta = { maxListPages: lab.config.crawl.listPages, allPages: lab.config.crawl.allPages };
    await seedStartUrls(admin, SPIDER, settings, [JSON.stringify({ url: start, meta })]);
    const itemSink =
      '/var/lib/crawl-lab/items.jsonl on each node (no MongoDB on this provider: fallback sink)';
    const started = Date.now();
    for (const w of workers) {
      const argv = [
        NODE_BIN,
        ...workerNodeArgs(`${APP_DIR}/crawl.mjs`, [
          'run',
          SPIDER,
          '--worker-id',
          w.id,
          '--output',
          '/var/lib/crawl-lab/items.jsonl',
          '--set',
          `concurrentRequests=${lab.config.crawl.concurrentRequests}`,
          '--json',
        ]),
      ];
      // the Redis URL (with its password) goes through the environment, not the command line
      await startService(t(w.node), w.service, argv, { REDIS_URL: redisUrl });
    }
    const last: Record<string, number> = {};
    let lastAt = started;
    for (;;) {
      await new Promise((r) => setTimeout(r, 1000));
      const states = await Promise.all(workers.map((w) => serviceState(t(w.node), w.service)));
      const info = await inspectCrawl(admin, SPIDER, settings);
      const stat = (k: string) => Number(info.stats[k] ?? 0);
      const now = Date.now();
      const perNode: CrawlProgress['perNode'] = {};
      for (const w of workers) {
        const pages = stat(`worker/${w.id}/response_received_count`);
        const prev = last[w.id] ?? 0;
        last[w.id] = pages;
        const entry = perNode[w.node.name] ?? { pages: 0, rate: 0 };
        perNode[w.node.name] = entry;
        entry.pages += pages;
        entry.rate += (pages - prev) / ((now - lastAt) / 1000);
      }
      lastAt = now;
      options.onProgress({
        elapsedMs: now - started,
        pages: stat('response_received_count'),
        items: stat('item_scraped_count'),
        queue: info.queueLength,
        fingerprints: info.fingerprints,
        perNode,
      });
      if (states.every((s) => s.state !== 'running')) {
        const final = await inspectCrawl(admin, SPIDER, settings);
        const fstat = (k: string) => Number(final.stats[k] ?? 0);
        const share: Record<string, number> = {};
        for (const w of workers)
          share[w.node.name] = (share[w.node.name] ?? 0) + fstat(`worker/${w.id}/response_received_count`);
        let expectedPages: number | undefined;
        if (mini) {
          const truth = (await (
            await fetch(`http://${master.ip}:${lab.config.site.port}/__truth`)
          ).json()) as {
            pages: { list: number; total: number };
            threads: { count: number };
          };
          // all_pages: false fetches one page and one sub-comment JSON per thread
          expectedPages = lab.config.crawl.allPages
            ? truth.pages.total
            : truth.pages.list + 2 * truth.threads.count;
        }
        return {
          elapsedMs: Date.now() - started,
          pages: fstat('response_received_count'),
          items: fstat('item_scraped_count'),
          duplicatesFiltered: fstat('dupefilter/filtered'),
          perNode: share,
          workers: workers.map((w, i) => {
            const s = states[i]!;
            return { id: w.id, node: w.node.name, exit: s.state === 'exited' ? s.code : s.state };
          }),
          expectedPages,
          itemSink,
        };
      }
    }
  } finally {
    admin.disconnect();
  }
}
