import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatItems } from '../../lab/items/export.ts';
import { labScript } from '../helpers/lab-script.ts';
import { freePort } from '../helpers/redis-server.ts';
import { pidsWith } from '../provision/netns-support.ts';

/**
 * Issue 12, "items pile up on the nodes": a fresh crawl writes its items to a
 * new file on every node (items/<crawl id>.jsonl), --resume appends to the
 * current one and the summary says which; `npm run lab:items` gathers one
 * crawl's items from every node into one file, as JSON lines, JSON or CSV.
 */

test('CSV: a column per field, key first, nested values as JSON, quotes doubled', () => {
  const csv = formatItems(
    [
      { key: 't1', title: 'a, "b"', floors: { 1: { floor: 1 } } },
      { key: 't2', title: 'line\nbreak', tid: 2 },
    ],
    'csv',
  );
  assert.equal(
    csv,
    'key,title,floors,tid\r\nt1,"a, ""b""","{""1"":{""floor"":1}}",\r\nt2,"line\nbreak",,2\r\n',
  );
  assert.equal(formatItems([{ key: 'k' }], 'jsonl'), '{"key":"k"}\n');
  assert.deepEqual(JSON.parse(formatItems([{ key: 'k' }], 'json')), [{ key: 'k' }]);
});

interface Result {
  ok: boolean;
  crawl: { crawlId: string; items: number; itemSink: string };
  truth: { store: { expected: number } };
}

function lines(file: string): number {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0;
}

test('each crawl writes a new items file on every node, --resume appends to it, and lab:items gathers one crawl into one JSON-lines, JSON or CSV file', {
  timeout: 300_000,
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'crawl-lab-items-'));
  const [redisPort, sitePort] = [await freePort(), await freePort()];
  writeFileSync(
    join(dir, 'lab.yaml'),
    `provider: local
nodes:
  - { name: master, role: master, ip: 10.62.8.10 }
  - { name: worker1, role: worker, ip: 10.62.8.11 }
network: { cidr: 10.62.8.0/24 }
redis: { port: ${redisPort} }
site: { port: ${sitePort} }
crawl: { list_pages: 2 }
mongodb: { enabled: false }
`,
  );
  const state = join(dir, 'state');
  const env = {
    LAB_CONFIG: join(dir, 'lab.yaml'),
    LAB_STATE: state,
    LAB_ID: 'fbitems',
    CRAWL_LAB_CACHE: join(dir, 'cache'),
  };
  t.after(async () => {
    await labScript('destroy.ts', [], env);
    for (const pid of pidsWith(dir)) process.kill(pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  const up = await labScript('up.ts', ['--no-install'], env);
  assert.equal(up.code, 0, up.stderr);

  const crawl = async (...args: string[]) => {
    const r = await labScript('crawl.ts', ['--json', ...args], env);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Result;
  };
  const files = (crawlId: string) =>
    ['master', 'worker1'].map((n) => join(state, 'local', 'nodes', n, 'data', 'items', `${crawlId}.jsonl`));
  const count = (crawlId: string) => files(crawlId).reduce((sum, f) => sum + lines(f), 0);

  const first = await crawl();
  assert.match(
    first.crawl.itemSink,
    new RegExp(`^items/${first.crawl.crawlId}\\.jsonl in each node's data folder, a new file for this crawl`),
  );
  const firstLines = count(first.crawl.crawlId);
  assert.equal(firstLines, first.crawl.items);

  const second = await crawl();
  assert.notEqual(second.crawl.crawlId, first.crawl.crawlId);
  assert.equal(
    count(second.crawl.crawlId),
    second.crawl.items,
    "the second crawl's file holds only its items",
  );
  assert.equal(count(first.crawl.crawlId), firstLines, "the first crawl's file is kept as it was");
  assert.deepEqual(readdirSync(join(state, 'local', 'nodes', 'master', 'data', 'items')).sort(), [
    `${first.crawl.crawlId}.jsonl`,
    `${second.crawl.crawlId}.jsonl`,
  ]);

  const resumed = await crawl('--resume');
  assert.equal(resumed.crawl.crawlId, second.crawl.crawlId);
  assert.match(resumed.crawl.itemSink, /appended to \(--resume\)/);
  // the crawl's counts live on in Redis across --resume: the file holds every item the crawl counted
  assert.equal(count(second.crawl.crawlId), resumed.crawl.items);

  const documents = second.truth.store.expected;
  assert.ok(documents > 0);
  const jsonl = await labScript('items.ts', [], env, dir);
  assert.equal(jsonl.code, 0, jsonl.stderr);
  const jsonlFile = join(dir, `items-${second.crawl.crawlId}.jsonl`);
  assert.match(
    jsonl.stderr,
    new RegExp(`^${documents} items of crawl ${second.crawl.crawlId} from items/`, 'm'),
  );
  const records = readFileSync(jsonlFile, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { key: string });
  assert.equal(records.length, documents);
  assert.equal(new Set(records.map((r) => r.key)).size, documents, 'one record per item key');

  const csvFile = join(dir, 'out.csv');
  const csv = await labScript(
    'items.ts',
    ['--format', 'csv', '--out', csvFile, '--crawl', first.crawl.crawlId],
    env,
  );
  assert.equal(csv.code, 0, csv.stderr);
  const rows = readFileSync(csvFile, 'utf8').split('\r\n').filter(Boolean);
  assert.match(rows[0]!, /^key,/);
  assert.equal(rows.length - 1, first.truth.store.expected);

  const json = await labScript('items.ts', ['--format', 'json', '--out', '-'], env);
  assert.equal(json.code, 0, json.stderr);
  assert.deepEqual(JSON.parse(json.stdout), records);

  const none = await labScript('items.ts', ['--crawl', '20000101-000000'], env);
  assert.equal(none.code, 1);
  assert.match(
    none.stderr,
    /^lab:items: no items of crawl 20000101-000000 in .*\(the current crawl is \d{8}-\d{6}/m,
  );

  const bad = await labScript('items.ts', ['--format', 'xml'], env);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--format "xml" is not valid\n {2}fix: use one of jsonl, json, csv/);
});
