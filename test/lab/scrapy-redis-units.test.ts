import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChaosResult } from '../../lab/chaos/run.ts';
import { chaosVerdict, compareLines } from '../../lab/commands/chaos.ts';
import { resumeBothError } from '../../lab/commands/crawl.ts';
import type { MergedStore } from '../../lab/items/store.ts';
import type { GroundTruth } from '../../lab/runner/truth-check.ts';
import {
  failedScrapyChaos,
  type ScrapyChaosResult,
  scrapyChaosProblems,
} from '../../lab/scrapy-redis/chaos.ts';
import { sideBySide } from '../../lab/scrapy-redis/report.ts';
import { articleTruth, checkArticleTruth } from '../../lab/scrapy-redis/truth.ts';
import { loadLabConfig } from '../../provision/config/index.ts';
import { LAB_PYTHON_REQUIREMENTS } from '../../provision/python-pins.ts';
import { missingRequirement, wheelDownloadArgv } from '../../provision/python-wheels.ts';
import { missingPins } from '../../provision/steps/scrapy-venv.ts';

/** Issue 17's pure parts; the whole path runs on a netns lab in scrapy-redis-netns.test.ts. */

test('crawl.engine defaults to crawl-lab, takes scrapy-redis and both, and refuses anything else naming the choices', () => {
  assert.equal(loadLabConfig(undefined, {}, {}).crawl.engine, 'crawl-lab');
  const both = loadLabConfig(
    undefined,
    { crawl: { engine: 'both' }, mirrors: { pypi: 'https://pypi.example/simple' } },
    {},
  );
  assert.equal(both.crawl.engine, 'both');
  assert.equal(both.mirrors.pypi, 'https://pypi.example/simple');
  assert.throws(
    () => loadLabConfig(undefined, { crawl: { engine: 'scrapy' } }, {}),
    (e: Error) =>
      /crawl\.engine/.test(e.message) && /scrapy-redis/.test(`${e.message} ${(e as { hint?: string }).hint}`),
  );
});

test('the venv is complete only when pip freeze lists every pin, names compared as pip normalises them', () => {
  const all = LAB_PYTHON_REQUIREMENTS.join('\n');
  assert.deepEqual(missingPins(all), []);
  assert.deepEqual(missingPins(all.replace('scrapy-redis==', 'scrapy_redis==').toUpperCase()), []);
  assert.deepEqual(missingPins('scrapy==2.19.0\nredis==8.2.0'), ['scrapy-redis==0.9.1', 'pymongo==4.20.1']);
});

test("wheels are fetched for the node's full Python version and architecture, binary only; pip's missing requirement is read without its marker", () => {
  const argv = wheelDownloadArgv({ python: '3.11.2', arch: 'aarch64', mirror: 'https://m/simple' }, '/c/w');
  const after = (flag: string) => argv[argv.indexOf(flag) + 1];
  assert.equal(after('--python-version'), '3.11.2');
  assert.equal(after('--index-url'), 'https://m/simple');
  assert.equal(after('--dest'), '/c/w');
  assert.ok(argv.includes('--only-binary=:all:'));
  assert.ok(argv.includes('manylinux_2_28_aarch64') && argv.includes('manylinux2014_aarch64'));
  assert.ok(
    !wheelDownloadArgv({ python: '3.11.2', arch: 'x86_64', mirror: '' }, '/d').includes('--index-url'),
  );
  assert.equal(
    missingRequirement(
      'ERROR: Could not find a version\nERROR: No matching distribution found for async-timeout>=4.0.3; python_full_version < "3.11.3"',
    ),
    'async-timeout>=4.0.3',
  );
  assert.equal(missingRequirement('ERROR: something else'), undefined);
});

const TRUTH: GroundTruth = {
  pages: 6,
  pageNames: [
    '/f?pn=0',
    '/p/1?pn=1',
    '/p/totalComment?tid=1&pn=1',
    '/p/2?pn=1',
    '/p/2?pn=2',
    '/p/comment?tid=2&pid=9&pn=2',
  ],
  docs: [{ tid: 1 }, { tid: 2 }] as GroundTruth['docs'],
  allPages: true,
};

const store = (keys: string[], repeated = 0): MergedStore => ({
  source: 'MongoDB',
  docs: new Map(keys.map((k) => [k, { tid: k }])),
  records: keys.length + repeated,
  repeated,
  repeatedKeys: [],
  unreadable: 0,
});

test("the article's truth is list pages and thread page 1; a page never served and a thread never stored are lost, list page 1 twice is not", () => {
  assert.deepEqual(articleTruth(TRUTH).pageNames, ['/f?pn=0', '/p/1?pn=1', '/p/2?pn=1']);
  const twice = checkArticleTruth(
    store(['1', '2']),
    { since: 0, pages: { '/f?pn=0': 2, '/p/1?pn=1': 1, '/p/2?pn=1': 1 }, other: {} } as never,
    TRUTH,
  );
  assert.equal(twice.exact, false);
  assert.equal(twice.complete, true);
  assert.equal(twice.fetches.twice, 1);
  const lost = checkArticleTruth(
    store(['1']),
    { since: 0, pages: { '/f?pn=0': 1, '/p/1?pn=1': 1 }, other: {} } as never,
    TRUTH,
  );
  assert.equal(lost.complete, false);
  assert.equal(lost.fetches.notFetched, 1);
  assert.equal(lost.store.lost, 1);
  assert.deepEqual(
    lost.differences.map((d) => d.kind),
    ['missing', 'not fetched'],
  );
});

test('the side-by-side table has one row per engine under one header, numbers right-aligned', () => {
  const rows = sideBySide([
    {
      engine: 'crawl-lab',
      pages: 300,
      elapsedMs: 10_000,
      cpuMs: 4000,
      maxRssMb: 110,
      fingerprints: 299,
      fingerprintBytes: 20000,
      truth: 'exact',
    },
    {
      engine: 'scrapy-redis',
      pages: 103,
      elapsedMs: 5000,
      cpuMs: 3000,
      maxRssMb: 125,
      fingerprints: 102,
      fingerprintBytes: 9008,
      truth: 'complete, 1 fetched or stored again',
    },
  ]);
  assert.equal(rows.length, 3);
  assert.match(rows[0]!, /^ +pages +pages\/s +CPU s +max RSS MB +fingerprints +fp bytes +truth$/);
  assert.match(rows[1]!, /^crawl-lab +300 +30\.0 +4\.0 +110 +299 +20000 +exact$/);
  assert.match(
    rows[2]!,
    /^scrapy-redis +103 +20\.6 +3\.0 +125 +102 +9008 +complete, 1 fetched or stored again$/,
  );
});

const theirRun = (over: Partial<ScrapyChaosResult> = {}): ScrapyChaosResult => ({
  scenario: 'kill-worker',
  status: 'ok',
  problems: [],
  injected: true,
  lostPages: 2,
  lostThreads: 2,
  fetchedAgain: 1,
  storedAgain: 0,
  resumedAfterMs: 1200,
  stillRunning: 2,
  kill: { held: ['/p/7?pn=1', '/f?pn=0'], fresh: ['/p/7?pn=1'], abandoned: ['/p/7?pn=1', '/f?pn=0'] },
  ...over,
});

const ourRun = (status: ChaosResult['status']): ChaosResult => ({
  scenario: 'kill-worker',
  status,
  problems: status === 'fail' ? ['2 threads lost'] : [],
  expectedPages: 10,
  pages: 10,
  elapsedMs: 1000,
});

test("a kill-worker run against the article's workers fails only when it could not show the loss: no fault, nothing held, or the held requests never seen closing", () => {
  assert.deepEqual(scrapyChaosProblems(theirRun()), []);
  assert.match(scrapyChaosProblems(theirRun({ injected: false }))[0]!, /never injected/);
  assert.match(
    scrapyChaosProblems(theirRun({ kill: { held: ['/f?pn=0'], fresh: [], abandoned: ['/f?pn=0'] } }))[0]!,
    /held no request for a page never served/,
  );
  assert.match(
    scrapyChaosProblems(theirRun({ kill: { held: ['/p/7?pn=1'], fresh: ['/p/7?pn=1'], abandoned: [] } }))[0]!,
    /never saw .*\/p\/7\?pn=1/,
  );
  // redis-restart kills nobody: injected is all it needs
  assert.deepEqual(scrapyChaosProblems({ scenario: 'redis-restart', injected: true }), []);
});

test('lab:chaos exits 0 when theirs lost pages as expected, and 1 naming the run when ours failed or theirs failed to run', () => {
  const lost = chaosVerdict([ourRun('pass')], [theirRun({ lostPages: 5, lostThreads: 4 })]);
  assert.deepEqual(lost, { code: 0, lines: [] }, 'their loss is the lesson, not a failure');
  assert.equal(
    chaosVerdict([ourRun('pass'), { ...ourRun('pending'), scenario: 'redis-disk-full' }], []).code,
    0,
  );
  const ours = chaosVerdict([ourRun('fail')], [theirRun()]);
  assert.deepEqual(ours, { code: 1, lines: ['FAIL kill-worker (crawl-lab): 2 threads lost'] });
  const threw = failedScrapyChaos(
    'redis-restart',
    new Error("the article's workers fetched no page in 180 s"),
  );
  const notInjected = theirRun({
    status: 'failed',
    injected: false,
    problems: ['the fault was never injected'],
  });
  const v = chaosVerdict([ourRun('pass')], [notInjected, threw]);
  assert.equal(v.code, 1);
  assert.deepEqual(v.lines, [
    'FAIL kill-worker (scrapy-redis): the fault was never injected',
    "FAIL redis-restart (scrapy-redis): the run failed: the article's workers fetched no page in 180 s",
  ]);
  const table = compareLines([ourRun('pass')], [theirRun(), threw]);
  assert.match(
    table[1]!,
    /^kill-worker .* 2 pages, 2 threads \/ 1 pages \/ 1\.2 s; 2 workers still running, stopped by the lab; killed holding 1 pages never served$/,
  );
  assert.match(table[2]!, /^redis-restart +– +FAILED: the run failed: /);
});

test('--resume with crawl.engine both is refused naming the flag, the engine and the fix', () => {
  const e = resumeBothError();
  assert.equal(e.code, 'CRAWL_E_USAGE');
  assert.match(e.message, /--resume .*crawl\.engine both/);
  assert.match(String(e.hint), /--resume --engine crawl-lab .*--engine scrapy-redis/);
});
