import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { test } from 'node:test';
import { defaultSettings } from 'crawl-lab';
import { connectAdmin } from 'crawl-lab/admin';
import { isCrawlError } from '../../../common/errors.ts';
import { hostSources, labHosts, mergeByTime } from '../../../lab/dashboard/lab-source.ts';
import { startDashboard } from '../../../lab/dashboard/server.ts';
import { RateWindow } from '../../../lab/dashboard/snapshot.ts';
import type { DashboardNode, Snapshot } from '../../../lab/dashboard/types.ts';
import type { Lab } from '../../../provision/lab.ts';
import { LocalTransport } from '../../../provision/transports/local.ts';
import type { LabNode } from '../../../provision/types.ts';
import { ROOT, waitFor } from '../../helpers/crawl-cli.ts';
import { freePort, startRedis } from '../../helpers/redis.ts';

/** Poll fast so each test takes well under a second of waiting. */
const POLL_MS = 100;

function node(name: string, workerIds: string[], state: 'running' | 'exited' = 'running'): DashboardNode {
  return {
    name,
    ip: '127.0.0.1',
    role: name === 'master' ? 'master' : 'worker',
    workerIds,
    services: async () =>
      state === 'running' ? [{ name: 'worker-1', state }] : [{ name: 'worker-1', state, code: 0 }],
  };
}

function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('the snapshot shows crawl stats from a real Redis, per worker and per node, and never the Redis password (fakes: the test writes the stats the workers would; node services and logs are stubs)', async (t) => {
  const password = randomBytes(12).toString('hex');
  const redis = await startRedis(['--requirepass', password]);
  t.after(() => redis.stop());
  const redisUrl = `redis://:${password}@127.0.0.1:${redis.port}/0`;
  const admin = await connectAdmin(redisUrl);
  t.after(() => admin.disconnect());
  // the keys and stat names the engine and its Lua scripts write (crawler/scheduler/lua/common.lua)
  await admin.hset('tieba:stats', {
    response_received_count: 12,
    item_scraped_count: 5,
    'retry/count': 2,
    error_count: 1,
    'dupefilter/filtered': 7,
    'worker/master-1/response_received_count': 8,
    'worker/worker1-1/response_received_count': 4,
    'worker/worker1-1/item_scraped_count': 5,
  });
  await admin.hset('tieba:meta', { seeded: '1', fingerprints: '20' });
  // heartbeats: master-1 alive (deadline ahead), worker1-1 gone
  await admin.zadd('tieba:workers', Date.now() + 60_000, 'master-1', Date.now() - 1000, 'worker1-1');
  await admin.zadd('tieba:requests', 0, `1|${JSON.stringify({ url: 'http://127.0.0.1:1/a' })}`);
  const dashboard = await startDashboard({
    redisUrl,
    spider: 'tieba',
    nodes: [node('master', ['master-1']), node('worker1', ['worker1-1'], 'exited')],
    logs: async () => [`12:00:00 INFO [crawl] connecting to ${redisUrl}`, 'plain line'],
    host: '127.0.0.1',
    port: 0,
    settings: { ...defaultSettings(), redisUrl },
    pollMs: POLL_MS,
  });
  t.after(() => dashboard.close());

  const { status, body } = await get(`${dashboard.url}api/snapshot`);
  assert.equal(status, 200);
  const snap = JSON.parse(body) as Snapshot;
  assert.equal(snap.status, 'crawling');
  assert.deepEqual(
    [snap.totals.pages, snap.totals.items, snap.totals.retries, snap.totals.errors, snap.totals.duplicates],
    [12, 5, 2, 1, 7],
  );
  assert.equal(snap.totals.fingerprints, 20);
  assert.equal(snap.totals.queue, 1);
  assert.equal(snap.redis, `127.0.0.1:${redis.port}`);
  assert.deepEqual(
    snap.nodes.map((n) => [n.name, n.pages, n.services[0]?.state]),
    [
      ['master', 8, 'running'],
      ['worker1', 4, 'exited'],
    ],
  );
  assert.deepEqual(
    snap.workers.map((w) => [w.id, w.node, w.alive, w.pages, w.items]),
    [
      ['master-1', 'master', true, 8, 0],
      ['worker1-1', 'worker1', false, 4, 5],
    ],
  );
  assert.equal(snap.logs.length, 2);
  assert.match(snap.logs[0]!, /connecting to redis:\/\/:\*\*\*@127\.0\.0\.1/);

  // pages/s: more pages between polls make a positive rate on that worker's node only;
  // a worker whose heartbeat is gone shows 0 pages/s whatever its counter does
  // in one transaction, as the Lua script adds to the worker's and the crawl's counters at once
  // (separate commands let a poll fall between them: a master rate with no crawl rate yet)
  await admin
    .multi()
    .hincrby('tieba:stats', 'worker/master-1/response_received_count', 30)
    .hincrby('tieba:stats', 'worker/worker1-1/response_received_count', 30)
    .hincrby('tieba:stats', 'response_received_count', 60)
    .exec();
  await waitFor(() => (dashboard.latest().nodes[0]?.rate ?? 0) > 0, 5000, 'a pages/s figure for master');
  const after = dashboard.latest();
  assert.equal(after.nodes[1]!.rate, 0);
  assert.ok(after.rate > 0, 'the whole crawl has a pages/s figure too');

  for (const path of ['', 'app.js', 'i18n.js', 'chart.js', 'style.css', 'api/snapshot']) {
    const r = await get(`${dashboard.url}${path}`);
    assert.equal(r.status, 200, path);
    assert.ok(!r.body.includes(password), `${path || 'the page'} must not contain the Redis password`);
  }
});

test('with Redis unreachable the page stays up and says what is wrong and how to fix it', async (t) => {
  const port = await freePort(); // nothing listens there
  const dashboard = await startDashboard({
    redisUrl: `redis://:secretpw123@127.0.0.1:${port}/0`,
    spider: 'tieba',
    nodes: [node('master', ['master-1'])],
    host: '127.0.0.1',
    port: 0,
    pollMs: POLL_MS,
  });
  t.after(() => dashboard.close());
  await waitFor(() => dashboard.latest().status === 'unreachable', 5000, 'status unreachable');
  const snap = dashboard.latest();
  assert.match(snap.error ?? '', /nothing listens|ECONNREFUSED|connection/i);
  assert.ok(!JSON.stringify(snap).includes('secretpw123'));
  assert.equal(snap.nodes[0]?.services[0]?.state, 'running', 'the nodes are still shown');
  assert.equal((await get(dashboard.url)).status, 200);
});

test('the dashboard listens on loopback only and refuses requests for another host name (DNS rebinding)', async (t) => {
  const base = { redisUrl: 'redis://127.0.0.1:1/0', spider: 'tieba', nodes: [], pollMs: POLL_MS };
  await assert.rejects(
    startDashboard({ ...base, host: '0.0.0.0', port: 0 }),
    (e: unknown) => isCrawlError(e) && e.code === 'CRAWL_E_USAGE' && /loopback/.test(e.message),
  );
  await assert.rejects(
    startDashboard({ ...base, host: '127.0.0.1', port: 70000 }),
    (e: unknown) => isCrawlError(e) && e.code === 'CRAWL_E_USAGE' && /70000/.test(e.message),
  );
  const dashboard = await startDashboard({ ...base, host: '127.0.0.1', port: 0 });
  t.after(() => dashboard.close());
  assert.equal((await get(dashboard.url, { host: 'evil.example' })).status, 421);
  assert.equal((await get(dashboard.url, { host: `localhost:${dashboard.port}` })).status, 200);
  await assert.rejects(
    startDashboard({ ...base, host: '127.0.0.1', port: dashboard.port }),
    (e: unknown) => isCrawlError(e) && e.code === 'CRAWL_E_USAGE' && /already in use/.test(e.message),
  );
});

test('log lines of several nodes are interleaved by their time, keeping each file order within a second', () => {
  const merged = mergeByTime([
    ['master/worker-1 10:00:01 INFO a1', 'master/worker-1 10:00:03 INFO a3', 'master/worker-1   at stack'],
    ['worker1/worker-1 10:00:02 INFO b2', 'worker1/worker-1 10:00:03 INFO b3'],
  ]);
  assert.deepEqual(
    merged.map((l) => l.split(' ').at(-1)),
    ['a1', 'b2', 'a3', 'stack', 'b3'],
  );
});

test('pages/s is measured over a short window and starts afresh when the crawl is reset', () => {
  const w = new RateWindow(2);
  w.push(0, { a: 0 });
  w.push(1000, { a: 10 });
  w.push(2000, { a: 30 });
  assert.equal(w.rate('a'), 15);
  w.push(3000, { a: 70 });
  assert.equal(w.rate('a'), 30, 'the oldest sample left the window');
  w.push(4000, { a: 3 });
  assert.equal(w.rate('a'), 0, 'a counter that went down (crawl reset) is not a negative rate');
});

test('lab hosts name their workers as lab:crawl starts them, and the master also shows the site', async () => {
  const nodes: LabNode[] = [
    { name: 'master', role: 'master', ip: '127.0.0.1', memoryMb: 0, cpus: 1 },
    { name: 'worker1', role: 'worker', ip: '127.0.0.1', memoryMb: 0, cpus: 1 },
  ];
  // only the fields labHosts reads; building a whole lab needs root and namespaces (test/provision)
  const lab = {
    nodes,
    config: { crawl: { workersPerNode: 2, target: 'mini-tieba' } },
    provider: { transport: (n: LabNode) => new LocalTransport(n) },
  } as unknown as Lab;
  const hosts = labHosts(lab);
  assert.deepEqual(
    hosts.map((h) => [h.node.name, h.others, h.workers.map((w) => `${w.id}=${w.service}`)]),
    [
      ['master', ['site'], ['master-1=worker-1', 'master-2=worker-2']],
      ['worker1', [], ['worker1-1=worker-1', 'worker1-2=worker-2']],
    ],
  );
  assert.deepEqual(hostSources(hosts).nodes[1]?.workerIds, ['worker1-1', 'worker1-2']);
});

function labDashboard(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', 'scripts/lab/dashboard.ts', ...args],
      // the flags are checked before the lab is opened; the timeout only bounds a regression
      { cwd: ROOT, timeout: 60_000 },
      (_error, _stdout, stderr) => resolve({ code: child.exitCode, stderr }),
    );
  });
}

test('npm run lab:dashboard with a bad --port says which values work and exits 2, before opening the lab', async () => {
  const tooBig = await labDashboard(['--port', '99999']);
  assert.equal(tooBig.code, 2, tooBig.stderr);
  assert.match(tooBig.stderr, /--port must be a whole number from 0 to 65535, got 99999/);
  // `--port -1` reads as a flag with no value (minimist made it port=true; Number(true) would be port 1)
  const negative = await labDashboard(['--port', '-1']);
  assert.equal(negative.code, 2, negative.stderr);
  assert.match(negative.stderr, /--port needs a value; a value starting with "-" is written --port=-…/);
  const dashed = await labDashboard(['--port=-1']);
  assert.equal(dashed.code, 2, dashed.stderr);
  assert.match(dashed.stderr, /--port must be a whole number from 0 to 65535, got -1/);
});

test('the event stream caps its connections: the one over the cap gets 503 with Retry-After, a closed one frees a place (issue 15)', async (t) => {
  const redis = await startRedis();
  t.after(() => redis.stop());
  const dashboard = await startDashboard({
    redisUrl: redis.url,
    spider: 'tieba',
    nodes: [],
    host: '127.0.0.1',
    port: 0,
    pollMs: POLL_MS,
    maxStreams: 3,
  });
  t.after(() => dashboard.close());
  const events = `${dashboard.url}events`;
  const open = (): Promise<{ status: number; retryAfter: string | undefined; close: () => void }> =>
    new Promise((resolve, reject) => {
      const req = request(events, (res) => {
        res.resume();
        resolve({
          status: res.statusCode ?? 0,
          retryAfter: res.headers['retry-after'],
          close: () => req.destroy(),
        });
      });
      req.on('error', reject);
      req.end();
    });
  const held = [await open(), await open(), await open()];
  t.after(() => {
    for (const h of held) h.close();
  });
  assert.deepEqual(
    held.map((h) => h.status),
    [200, 200, 200],
  );
  const refused = await open();
  assert.equal(refused.status, 503);
  assert.equal(refused.retryAfter, '5');
  assert.equal((await get(`${dashboard.url}api/snapshot`)).status, 200, 'the snapshot still answers');
  held.pop()!.close();
  await waitFor(
    async () => {
      const again = await open();
      if (again.status === 200) held.push(again);
      return again.status === 200;
    },
    5000,
    'a place to free up',
  );
});
