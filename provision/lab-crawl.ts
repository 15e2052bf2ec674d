import type { Redis } from 'ioredis';
import { CrawlError } from '../crawler/errors.ts';
import { redact } from '../crawler/log.ts';
import { connectAdmin } from '../crawler/redis-admin.ts';
import { type CrawlInspection, inspectCrawl, resetCrawl, seedStartUrls } from '../crawler/scheduler/admin.ts';
import type { Settings } from '../crawler/settings/defaults.ts';
import { resolveSettings } from '../crawler/settings/load.ts';
import { type Lab, masterOf, redisUrlOf, servicesOf } from './lab.ts';
import { layoutOf } from './layout.ts';
import { guardLabAddress } from './net-guard.ts';
import { clearItems, countItems, type ItemSink, labItemSink } from './steps/mongodb.ts';
import type { LabNode } from './types.ts';
import { workerNodeArgs } from './worker-command.ts';

export const SPIDER = 'tieba';
const REAL_TIEBA = 'https://tieba.baidu.com/f?kw=%E8%81%8A%E5%A4%A9&ie=utf-8&pn=0';
/** The fallback item sink on VMs and stand-ins (JSON lines, appended by each worker there); local nodes: <node>/data/items.jsonl (layoutOf). */
export const ITEMS_JSONL = '/var/lib/crawl-lab/items.jsonl';
/** Seconds the progress loop waits for Redis once every worker has stopped, before it gives up. */
const REDIS_GONE_TICKS = 60;

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

/** One worker process of the lab: its node, its worker id and its service name there. */
export interface WorkerRef {
  node: LabNode;
  id: string;
  service: string;
}

/** The workers lab:crawl starts: workersPerNode on every node. */
export function workersOf(lab: Lab): WorkerRef[] {
  const out: WorkerRef[] = [];
  for (const node of lab.nodes) {
    for (let i = 1; i <= lab.config.crawl.workersPerNode; i++) {
      out.push({ node, id: `${node.name}-${i}`, service: `worker-${i}` });
    }
  }
  return out;
}

/** The crawl's start request (JSON, as `crawl seed` takes it): list page 1 of the lab's target. */
export function labStartRequest(lab: Lab): string {
  const start =
    lab.config.crawl.target === 'mini-tieba'
      ? `http://${masterOf(lab).ip}:${lab.config.site.port}/f?kw=${encodeURIComponent('聊天')}&ie=utf-8&pn=0`
      : REAL_TIEBA;
  const meta = { maxListPages: lab.config.crawl.listPages, allPages: lab.config.crawl.allPages };
  return JSON.stringify({ url: start, meta });
}

/**
 * Reads the crawl's state for a progress loop and rides out a Redis outage
 * (the master's Redis restarting, its link cut): the admin client does not
 * retry by itself, so a failed read drops it and the next read connects anew.
 * `inspect` resolves undefined while Redis does not answer; `onDown` hears once
 * per outage why, `onUp` how long it lasted.
 */
export interface CrawlWatcher {
  inspect(): Promise<CrawlInspection | undefined>;
  close(): void;
}

export function crawlWatcher(
  redisUrl: string,
  settings: Settings,
  on: { onDown?: (why: string) => void; onUp?: (downMs: number) => void } = {},
): CrawlWatcher {
  let admin: Redis | undefined;
  let downSince: number | undefined;
  return {
    async inspect() {
      for (;;) {
        const fresh = admin === undefined;
        try {
          admin ??= await connectAdmin(redisUrl);
          const info = await inspectCrawl(admin, SPIDER, settings);
          if (downSince !== undefined) on.onUp?.(Date.now() - downSince);
          downSince = undefined;
          return info;
        } catch (error) {
          admin?.disconnect();
          admin = undefined;
          // a dropped connection only says "Connection is closed": connect anew once, which says why
          if (!fresh) continue;
          if (downSince === undefined) {
            downSince = Date.now();
            on.onDown?.(redact(error instanceof Error ? error.message : String(error)));
          }
          return undefined;
        }
      }
    },
    close() {
      admin?.disconnect();
      admin = undefined;
    },
  };
}

/**
 * Start one worker as a service on its node (no-op when it runs already).
 * labCrawl starts every worker this way; lab:chaos also adds one mid-crawl.
 * `settings` are extra `--set name=value` entries.
 */
export async function startWorker(
  lab: Lab,
  w: WorkerRef,
  settings: readonly string[] = [],
  itemSink?: ItemSink,
): Promise<void> {
  const transport = lab.provider.transport(w.node);
  const { nodeBin, appDir, dataDir } = layoutOf(transport);
  // items: the lab's MongoDB when lab:up provisioned one, else JSON lines on the node (steps/mongodb.ts)
  const sink = itemSink ?? (await labItemSink(lab, masterOf(lab)));
  const sinkArgs =
    sink.kind === 'mongodb'
      ? ['--set', `mongoDatabase=${sink.database}`, '--set', `mongoCollection=${sink.collection}`]
      : ['--output', `${dataDir}/items.jsonl`];
  // the MongoDB URI carries the lab user's password: environment, like REDIS_URL
  const sinkEnv: Record<string, string> = sink.kind === 'mongodb' ? { CRAWL_MONGO_URI: sink.uri } : {};
  const argv = [
    nodeBin,
    ...workerNodeArgs(`${appDir}/crawl.mjs`, [
      'run',
      SPIDER,
      '--worker-id',
      w.id,
      ...sinkArgs,
      '--set',
      `concurrentRequests=${lab.config.crawl.concurrentRequests}`,
      ...settings.flatMap((s) => ['--set', s]),
      '--json',
    ]),
  ];
  // the Redis URL (with its password) goes through the environment, not the command line
  // systemd units on VMs, supervised processes on stand-ins and local nodes (lab.ts servicesOf)
  await servicesOf(lab, transport).start(w.service, argv, { REDIS_URL: redisUrlOf(lab), ...sinkEnv });
}

/**
 * lab:crawl: reset (or resume) the crawl state, seed the start URL, start the
 * workers on every node, report progress, wait for the distributed crawl to
 * finish (every worker exits by itself), and summarise.
 */
export async function labCrawl(
  lab: Lab,
  options: {
    resume: boolean;
    onProgress: (p: CrawlProgress) => void;
    /** Extra `--set name=value` settings for every worker (lab:chaos shortens leaseTimeout). */
    settings?: readonly string[];
    /** Hears "Redis unreachable" / "answers again" lines. @default lab.log */
    onRedisDown?: (line: string) => void;
  },
): Promise<LabCrawlResult> {
  const master = masterOf(lab);
  await guardLabAddress(lab, master.ip); // Redis admin and /__truth dial the master from this host
  const redisUrl = redisUrlOf(lab);
  const { settings } = resolveSettings({ env: {}, flags: { redisUrl } });
  const admin = await connectAdmin(redisUrl);
  const workers = workersOf(lab);
  const t = (n: LabNode) => lab.provider.transport(n);
  let watch: CrawlWatcher | undefined;
  try {
    // systemd units on VMs, supervised processes elsewhere: the same manager that starts them
    const services = (w: WorkerRef) => servicesOf(lab, t(w.node));
    for (const w of workers) await services(w).stop(w.service);
    if (!options.resume) await resetCrawl(admin, SPIDER, settings);
    const mini = lab.config.crawl.target === 'mini-tieba';
    await seedStartUrls(admin, SPIDER, settings, [labStartRequest(lab)]);
    const sink = await labItemSink(lab, master);
    if (sink.kind === 'mongodb' && !options.resume) await clearItems(sink);
    let itemSink =
      sink.kind === 'mongodb'
        ? sink.where
        : `${layoutOf(t(master)).dataDir}/items.jsonl on each node (fallback sink: ${sink.why})`;
    const started = Date.now();
    for (const w of workers) await startWorker(lab, w, options.settings, sink);
    const last: Record<string, number> = {};
    let lastAt = started;
    // the workers wait out a Redis outage and reconnect; so does this loop, and says so
    watch = crawlWatcher(redisUrl, settings, {
      onDown: (why) =>
        (options.onRedisDown ?? lab.log)(
          `Redis on ${master.name} is unreachable (${why}): the workers wait and reconnect; progress resumes when it answers`,
        ),
      onUp: (ms) => (options.onRedisDown ?? lab.log)(`Redis answers again after ${(ms / 1000).toFixed(0)} s`),
    });
    let silentTicks = 0;
    for (;;) {
      await new Promise((r) => setTimeout(r, 1000));
      const states = await Promise.all(workers.map((w) => services(w).state(w.service)));
      const info = await watch.inspect();
      if (!info) {
        // bounded: with every worker gone nobody brings Redis back for this crawl
        if (states.every((s) => s.state !== 'running') && ++silentTicks > REDIS_GONE_TICKS)
          throw new CrawlError(
            'CRAWL_E_REDIS_UNREACHABLE',
            `every worker has stopped and Redis on ${master.name} has not answered for ${REDIS_GONE_TICKS} s`,
            {
              hint: `is redis-server running on ${master.name}? npm run lab:logs -- ${master.name}; then npm run lab:crawl -- --resume`,
            },
          );
        continue;
      }
      silentTicks = 0;
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
        const final = info;
        const fstat = (k: string) => Number(final.stats[k] ?? 0);
        const share: Record<string, number> = {};
        for (const w of workers)
          share[w.node.name] = (share[w.node.name] ?? 0) + fstat(`worker/${w.id}/response_received_count`);
        if (sink.kind === 'mongodb') itemSink = `${sink.where}: ${await countItems(sink)} documents`;
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
    watch?.close();
  }
}
