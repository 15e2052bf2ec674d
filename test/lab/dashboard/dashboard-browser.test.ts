import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { defaultSettings } from 'crawl-lab';
import { connectAdmin, inspectCrawl, seedStartUrls } from 'crawl-lab/admin';
import { type Browser, chromium, type Page } from 'playwright-core';
import { hostSources, type ServiceHost } from '../../../lab/dashboard/lab-source.ts';
import { startDashboard } from '../../../lab/dashboard/server.ts';
import { startSite } from '../../../lab/site/server.ts';
import { layoutOf, localLayout, withLayout } from '../../../provision/layout.ts';
import { serviceState, startService, stopService } from '../../../provision/services.ts';
import { LocalTransport } from '../../../provision/transports/local.ts';
import { ROOT } from '../../helpers/crawl-cli.ts';
import { startRedis } from '../../helpers/redis.ts';

/**
 * The dashboard in a real headless Chromium during a real distributed crawl:
 * a password-protected redis-server, the mini-Tieba site (slowed down so the
 * crawl lasts several seconds) and three `crawl run tieba` workers, each
 * supervised as service `worker-1` of its own node the way the local provider
 * does it (the lab's service scripts over the local transport, a node folder
 * each). Screenshots go to test/artifacts/.
 */
const CHROMIUM = '/usr/bin/chromium';
const CI = process.env['CI'] === 'true';
const skip = !existsSync(CHROMIUM) && !CI ? `no Chromium at ${CHROMIUM}: apt-get install chromium` : false;
const CLI = fileURLToPath(new URL('../../../crawler/cli/main.ts', import.meta.url));
const ARTIFACTS = join(ROOT, 'test', 'artifacts');
const NODES = ['master', 'worker1', 'worker2'];
const LIST_PAGES = 3;

const value = async (page: Page, id: string) =>
  Number(await page.locator(`#${id}`).getAttribute('data-value'));

/** Poll a check made from Node (locators, service states) every `everyMs`, for at most `ms`. */
async function until(check: () => Promise<boolean>, ms: number, what: string, everyMs = 100): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

/**
 * A reverse proxy on loopback in front of the site that holds the first request
 * matching `hold` until release(): while that page is not served the crawl
 * cannot finish, so "still crawling" is a state the test keeps, not a time
 * window it hopes to land in. Everything else goes straight through (the Host
 * header too, so the site's links point at the proxy).
 */
async function gatedProxy(target: string, hold: (url: string) => boolean) {
  let release = () => {};
  const released = new Promise<void>((r) => {
    release = r;
  });
  let held = false;
  const server = createServer((req, res) => {
    const forward = () => {
      const up = request(`${target}${req.url}`, { method: req.method, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      up.on('error', () => res.destroy());
      req.pipe(up);
    };
    if (!held && hold(req.url ?? '')) {
      held = true;
      void released.then(forward);
    } else forward();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    held: () => held,
    release,
    close: () =>
      new Promise<void>((r) => {
        release();
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

/** The JSON summary a worker prints last on stdout (its service log holds stdout and stderr). */
function summaryIn(logFile: string): { reason: string; crawl: Record<string, number> } {
  const lines = readFileSync(logFile, 'utf8').trim().split('\n').reverse();
  for (const line of lines) {
    if (!line.startsWith('{')) continue;
    const parsed = JSON.parse(line) as { reason?: string; crawl?: Record<string, number> };
    if (parsed.crawl && parsed.reason) return { reason: parsed.reason, crawl: parsed.crawl };
  }
  throw new Error(`no JSON summary in ${logFile}; it ends:\n${lines.slice(0, 20).reverse().join('\n')}`);
}

test('the dashboard shows a real three-worker crawl live in Chromium: numbers move, final totals equal the crawl stats', {
  skip,
  timeout: 240_000,
}, async (t) => {
  if (!existsSync(CHROMIUM)) throw new Error(`CI needs Chromium at ${CHROMIUM}: apt-get install chromium`);
  const cleanups: (() => unknown)[] = [];
  t.after(async () => {
    for (const undo of cleanups.reverse()) await Promise.resolve(undo()).catch(() => {});
  });
  const dir = mkdtempSync(join(tmpdir(), 'crawl-lab-dashboard-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));

  const password = randomBytes(16).toString('hex');
  const redis = await startRedis(['--requirepass', password]);
  cleanups.push(() => redis.stop());
  const redisUrl = `redis://:${password}@127.0.0.1:${redis.port}/0`;
  const site = await startSite({ host: '127.0.0.1', port: 0, listPages: LIST_PAGES, latencyMs: 200 });
  cleanups.push(() => site.close());
  // the last list page is held back until the test has seen the crawl running (released below)
  const gate = await gatedProxy(
    site.origin,
    (url) => url.startsWith('/f?') && url.includes(`pn=${(LIST_PAGES - 1) * 50}`),
  );
  cleanups.push(() => gate.close());
  const startUrl = site.startUrl.replace(site.origin, gate.origin);
  const admin = await connectAdmin(redisUrl);
  cleanups.push(() => admin.disconnect());
  const settings = { ...defaultSettings(), redisUrl };
  await seedStartUrls(admin, 'tieba', settings, [
    JSON.stringify({ url: startUrl, meta: { maxListPages: LIST_PAGES, allPages: false } }),
  ]);

  // the local provider's layout: each node keeps its service pidfiles and logs under its own folder
  const hosts: ServiceHost[] = NODES.map((name, i) => {
    const node = withLayout(
      { name, role: i === 0 ? 'master' : 'worker', ip: '127.0.0.1', memoryMb: 0, cpus: 1 },
      localLayout(join(dir, name)),
    );
    return {
      node,
      transport: new LocalTransport(node, { cwd: ROOT }),
      workers: [{ id: `${name}-1`, service: 'worker-1' }],
      others: [],
    };
  });
  const paths = (h: ServiceHost) => layoutOf(h.transport).services;
  const { nodes, logs } = hostSources(hosts);
  const dashboard = await startDashboard({
    redisUrl,
    spider: 'tieba',
    nodes,
    logs,
    host: '127.0.0.1',
    port: 0,
    settings,
  });
  cleanups.push(() => dashboard.close());

  const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  cleanups.push(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1280, height: 960 }, locale: 'en-US' });
  const consoleErrors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  await page.goto(dashboard.url);
  await page.waitForSelector('#status[data-status="crawling"]', { timeout: 15_000 });

  for (const h of hosts) {
    const argv = [process.execPath, '--import', 'tsx', CLI, 'run', 'tieba', '--worker-id', h.workers[0]!.id];
    const sets = ['concurrentRequests=4', 'logStatsInterval=1'].flatMap((s) => ['--set', s]);
    cleanups.push(() => stopService(h.transport, 'worker-1', paths(h)));
    // as in the lab, the password travels in the environment, not on the command line
    await startService(
      h.transport,
      'worker-1',
      [...argv, '--json', ...sets],
      { REDIS_URL: redisUrl },
      paths(h),
    );
  }

  // while the crawl runs: the page's numbers move on their own (SSE), without a reload
  const chartPoints = async () =>
    ((await page.locator('#chart polyline').first().getAttribute('points')) ?? '').split(' ').length;
  await until(
    async () => (await value(page, 'total-pages')) >= 20 && (await chartPoints()) >= 3,
    90_000,
    'the page to show 20 pages and a chart of 3 points',
  );
  const first = await value(page, 'total-pages');
  assert.equal(await page.locator('#status').getAttribute('data-status'), 'crawling');
  assert.ok(
    (await page.locator('[data-service="worker-1"][data-state="running"]').count()) > 0,
    'at least one worker service shows as running',
  );
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard-running.png'), fullPage: true });
  await until(
    async () => (await value(page, 'total-pages')) > first,
    60_000,
    `more than ${first} pages shown`,
  );
  const second = await value(page, 'total-pages');
  assert.ok(second > first, `pages shown went from ${first} to ${second} while crawling`);
  assert.equal(
    await page.locator('#status').getAttribute('data-status'),
    'crawling',
    'still crawling: a page is held',
  );
  await until(async () => gate.held(), 60_000, 'the last list page to be asked for (held)');
  gate.release();

  // every worker exits by itself when the distributed crawl is done
  await until(
    async () => {
      const states = await Promise.all(hosts.map((h) => serviceState(h.transport, 'worker-1', paths(h))));
      return states.every((s) => s.state !== 'running');
    },
    120_000,
    'the three workers to exit',
    500,
  );
  await until(
    async () =>
      (await page.locator('#status').getAttribute('data-status')) === 'finished' &&
      (await page.locator('[data-service="worker-1"][data-state="exited 0"]').count()) === 3,
    15_000,
    'the page to show the crawl finished and three services exited 0',
  );
  // one more push after the last worker's final stats, so the numbers are the settled ones
  const final = await inspectCrawl(admin, 'tieba', settings);
  const stat = (k: string) => Number(final.stats[k] ?? 0);
  const settled = stat('response_received_count');
  await until(async () => (await value(page, 'total-pages')) === settled, 10_000, `${settled} pages shown`);
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard-finished.png'), fullPage: true });

  const summaries = hosts.map((h) => summaryIn(join(paths(h).logDir, 'worker-1.log')));
  assert.deepEqual(
    summaries.map((s) => s.reason),
    ['finished', 'finished', 'finished'],
  );
  const lastSummary = (k: string) => Math.max(...summaries.map((s) => Number(s.crawl[k] ?? 0)));
  const shown = {
    pages: await value(page, 'total-pages'),
    items: await value(page, 'total-items'),
    retries: await value(page, 'total-retries'),
    errors: await value(page, 'total-errors'),
    queue: await value(page, 'total-queue'),
  };
  const expectedPages = site.truth.pages.list + 2 * site.truth.threads.count; // allPages: false
  assert.deepEqual(shown, {
    pages: lastSummary('response_received_count'),
    items: lastSummary('item_scraped_count'),
    retries: lastSummary('retry/count'),
    errors: lastSummary('error_count'),
    queue: 0,
  });
  assert.equal(shown.pages, expectedPages, "every page of the site's ground truth, fetched once");
  assert.equal(shown.items, stat('item_scraped_count'));
  const perWorker = await page.locator('#workers tbody tr').count();
  assert.equal(perWorker, 3);
  assert.ok(
    (await page.locator('#logs').textContent())?.includes('master/worker-1'),
    'worker log lines shown',
  );

  // Chinese labels, same figures
  await page.click('#lang');
  assert.equal(await page.locator('h1').textContent(), '分布式爬虫实验室 仪表盘');
  assert.equal(await page.locator('#status').textContent(), '已完成');
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard-finished-zh.png'), fullPage: true });

  const html = await page.content();
  assert.ok(!html.includes(password), 'the Redis password never reaches the page');
  const api = await (await fetch(`${dashboard.url}api/snapshot`)).text();
  assert.ok(!api.includes(password), 'nor the JSON endpoint');
  assert.deepEqual(consoleErrors, [], 'no JavaScript errors in the page');
});
