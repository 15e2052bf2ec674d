/**
 * npm run bench [-- --sites tieba,catalogue,floor,links] [--workers 1,3] [--latency 0,20]
 *                  [--rounds 3] [--engines crawl-lab,scrapy] [--tieba-pages 20]
 *                  [--catalogue-pages 25] [--heap-mb N] [--semi-space-mb N] [--cpu-prof DIR]
 *                  [--before OLD/dist/crawl.mjs] [--set NAME=VALUE] [--before-set NAME=VALUE]
 * The speed of spiders written the README way (bench/spiders/: `response.$`,
 * `followAll`, public API only) on two site shapes: the mini-Tieba site and a
 * product catalogue (bench/lib/catalogue-site.ts, 30–60 KB product pages),
 * with 1 and 3 worker processes (crawl-lab's bundled CLI with the lab's heap
 * flags) at 0 and 20 ms artificial latency, against Scrapy + scrapy-redis
 * from PyPI running the same spiders (bench/scrapy/) on the same Redis and
 * site. Engines alternate within each round, rounds repeat, medians are
 * printed: on a shared machine only a same-run comparison means anything.
 * Figures, not assertions (docs/performance.md says how each is measured).
 * --before FILE adds a third engine, another build of the crawler (an older
 * commit's `npm run build`), run the same way: before/after in the same run.
 * --set / --before-set pass crawler settings to the crawl-lab / before workers
 * (repeatable); with --before dist/crawl.mjs they compare two settings.
 * --sites floor crawls the catalogue site with bench/spiders/floor.ts, which
 * parses nothing (links computed from the URL): the cost of a page without
 * the spider's parsing, the floor under the other two. --sites links crawls
 * it with bench/spiders/links.ts: the catalogue spider without `$`, links by
 * `followAll(selector)` only.
 * --cpu-prof DIR writes a V8 CPU profile of every crawl-lab worker into DIR
 * (summarise with `npx tsx bench/profile-summary.ts DIR/*.cpuprofile`).
 */
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { argv } from 'zx';
import { buildCrawler, buildSpider, DIST } from '../lab/build/bundle.ts';
import { distStale } from '../lab/build/dist.ts';
import { HITS_PATH, startSite } from '../lab/site/index.ts';
import { REPO_ROOT } from '../provision/lab-env.ts';
import { startRedis } from '../test/helpers/redis-server.ts';
import { startCatalogueSite } from './lib/catalogue-site.ts';
import { type BenchSite, type Engine, type Measured, measureCrawl } from './lib/engines.ts';
import { ensureScrapyVenv } from './lib/scrapy-venv.ts';
import { warmTiebaSite } from './lib/warm-site.ts';

const list = (name: string, fallback: string) =>
  String(argv[name] ?? fallback)
    .split(',')
    .filter(Boolean);
const sites = list('sites', 'tieba,catalogue');
const workerCounts = list('workers', '1,3').map(Number);
const latencies = list('latency', '0,20').map(Number);
const engines = list('engines', 'crawl-lab,scrapy');
const rounds = Number(argv['rounds'] ?? 3);
const tiebaPages = Number(argv['tieba-pages'] ?? 20);
const cataloguePages = Number(argv['catalogue-pages'] ?? 25);
const heapMb = argv['heap-mb'] === undefined ? undefined : Number(argv['heap-mb']);
const semiSpaceMb = argv['semi-space-mb'] === undefined ? undefined : Number(argv['semi-space-mb']);
const asList = (v: unknown): string[] =>
  v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)];
const sets = asList(argv['set']);
const beforeSettings = asList(argv['before-set']);
const before = argv['before'] === undefined ? undefined : resolve(String(argv['before']));
const cpuProfDir = argv['cpu-prof'] === undefined ? undefined : resolve(String(argv['cpu-prof']));

if (distStale() !== undefined) await buildCrawler();
const crawlMjs = join(DIST, 'crawl.mjs');
const spiderMjs = {
  tieba: await buildSpider(join(REPO_ROOT, 'bench/spiders/titles.ts')),
  catalogue: await buildSpider(join(REPO_ROOT, 'bench/spiders/catalogue.ts')),
  floor: await buildSpider(join(REPO_ROOT, 'bench/spiders/floor.ts')),
  links: await buildSpider(join(REPO_ROOT, 'bench/spiders/links.ts')),
};
type SiteKind = keyof typeof spiderMjs;
/** The spider each site kind runs (`floor`, `links`: the catalogue site, crawled without parsing or by links only). */
const spiderName: Record<SiteKind, string> = {
  tieba: 'titles',
  catalogue: 'catalogue',
  floor: 'floor',
  links: 'links',
};
const peer = engines.includes('scrapy') ? await ensureScrapyVenv() : undefined;
if (peer && !peer.ok) console.error(`Scrapy column left out: ${peer.why}`);

function enginesFor(site: SiteKind): Engine[] {
  const name = spiderName[site];
  const out: Engine[] = [];
  if (before !== undefined)
    out.push({
      kind: 'crawl-lab',
      label: 'crawl-lab before',
      crawlMjs: before,
      spiderMjs: spiderMjs[site],
      name,
      settings: beforeSettings,
    });
  if (engines.includes('crawl-lab'))
    out.push({
      kind: 'crawl-lab',
      label: 'crawl-lab',
      crawlMjs,
      spiderMjs: spiderMjs[site],
      name,
      settings: sets,
      ...(heapMb === undefined ? {} : { heapMb }),
      ...(semiSpaceMb === undefined ? {} : { semiSpaceMb }),
      ...(cpuProfDir === undefined ? {} : { cpuProfDir }),
    });
  if (peer?.ok)
    out.push({
      kind: 'scrapy',
      label: 'scrapy',
      scrapy: peer.scrapy,
      spiderPy: join(REPO_ROOT, `bench/scrapy/${name}.py`),
      name,
    });
  return out;
}

async function openSite(kind: string, latencyMs: number): Promise<BenchSite & { close(): Promise<unknown> }> {
  if (kind === 'catalogue' || kind === 'floor' || kind === 'links') {
    const s = await startCatalogueSite({ listPages: cataloguePages, latencyMs });
    return {
      startUrl: s.startUrl,
      requests: s.requests,
      hitCounts: async () => [...s.hits().values()],
      resetHits: async () => s.resetHits(),
      close: s.close,
    };
  }
  const s = await startSite({ listPages: tiebaPages, latencyMs });
  await warmTiebaSite(s.url, tiebaPages);
  return {
    startUrl: s.startUrl,
    requests: s.requests,
    hitCounts: async () => {
      const h = s.hits();
      return [...Object.values(h.pages), ...Object.values(h.other)];
    },
    resetHits: async () => void (await fetch(`${s.url}${HITS_PATH}`, { method: 'DELETE' })).arrayBuffer(),
    close: s.close,
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0
    ? Number.NaN
    : s.length % 2
      ? s[s.length >> 1]!
      : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const redis = await startRedis();
const client = redis.client();
const rows: string[][] = [];
try {
  for (const siteKind of sites) {
    for (const latencyMs of latencies) {
      const site = await openSite(siteKind, latencyMs);
      try {
        for (const workers of workerCounts) {
          const runs = new Map<string, Measured[]>();
          const list = enginesFor(siteKind as SiteKind);
          for (let round = 0; round < rounds; round++) {
            // alternate which engine goes first, so a slow spell on the machine hits both
            const order = round % 2 ? [...list].reverse() : list;
            for (const engine of order) {
              const m = await measureCrawl(engine, workers, site, client, redis.url);
              for (const f of m.failed) console.error(`${engine.label} ${siteKind}: ${f}`);
              runs.set(engine.label, [...(runs.get(engine.label) ?? []), m]);
              console.error(
                `${siteKind} W=${workers} ${latencyMs} ms round ${round + 1} ${engine.label}: ${m.pages} pages, ` +
                  `${m.pagesPerSecond.toFixed(0)} pages/s, ${m.cpuMsPerPage.toFixed(2)} CPU ms/page, load ${loadavg()[0]!.toFixed(1)}`,
              );
            }
          }
          rows.push(...rowsOf(siteKind, workers, latencyMs, runs));
        }
      } finally {
        await site.close();
      }
    }
  }
} finally {
  await redis.stop();
}

function rowsOf(site: string, workers: number, latencyMs: number, runs: Map<string, Measured[]>): string[][] {
  const peerRate = median((runs.get('scrapy') ?? []).map((x) => x.pagesPerSecond));
  return [...runs].map(([label, xs]) => {
    const m = (f: (m: Measured) => number, digits = 0) => {
      const v = median(xs.map(f));
      return Number.isNaN(v) ? '–' : v.toFixed(digits);
    };
    const rate = median(xs.map((x) => x.pagesPerSecond));
    return [
      site,
      String(workers),
      `${latencyMs} ms`,
      label,
      m((x) => x.pages),
      m((x) => x.items),
      m((x) => x.pagesPerSecond),
      Number.isNaN(peerRate) ? '–' : (rate / peerRate).toFixed(2),
      m((x) => x.cpuMsPerPage, 2),
      m((x) => x.runQueueMsPerPage, 1),
      m((x) => x.redisCpuMsPerPage, 3),
      m((x) => Math.max(...x.peakRssMb)),
      m((x) => x.redisReadsPerPage, 2),
      m((x) => x.redisCommandsPerPage, 1),
      m((x) => x.duplicates),
    ];
  });
}

const head = [
  'site',
  'W',
  'latency',
  'engine',
  'pages',
  'items',
  'pages/s',
  '× scrapy',
  'CPU ms/page',
  'run-queue wait ms/page',
  'Redis CPU ms/page',
  'peak RSS MB/worker',
  'Redis RT/page',
  'Redis cmds/page',
  'dup fetches',
];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
console.log(
  `README-style spiders, crawl-lab / ${peer?.ok ? peer.versions : 'Scrapy left out'}; medians of ${rounds} interleaved round(s); ` +
    `tieba ${tiebaPages} list pages, catalogue ${cataloguePages} list pages; ${cpus().length} cores, node ${process.version}`,
);
console.log(line(head));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of rows) console.log(line(r));
