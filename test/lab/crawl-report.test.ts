import assert from 'node:assert/strict';
import test from 'node:test';
import { crawlReport, crawlResult } from '../../lab/commands/crawl.ts';
import type { CrawlSummary } from '../../lab/runner/run-crawl.ts';
import type { TruthCheck } from '../../lab/runner/truth-check.ts';

/** A truth check of 100 threads and 202 pages, every item right, `twice` pages served twice. */
function truth(twice: number, notFetched = 0): TruthCheck {
  const store = {
    source: 'items.jsonl on 3 nodes',
    expected: 100,
    found: 100,
    lost: 0,
    duplicated: 0,
    extra: 0,
    wrong: 0,
    unreadable: 0,
    differences: [],
  };
  const fetches = {
    expected: 202,
    fetched: 202 + twice - notFetched,
    notFetched,
    twice,
    extra: 0,
    differences: twice ? [{ kind: 'fetched twice' as const, what: '/p/8000000001?pn=1 (2 times)' }] : [],
  };
  return {
    exact: twice === 0 && notFetched === 0,
    complete: notFetched === 0,
    store,
    fetches,
    differences: fetches.differences,
  };
}

function summary(
  t: TruthCheck | undefined,
  exits: (number | 'stopped')[],
  failures = { failedRequests: 0, errors: 0 },
  stats: Record<string, number> = {},
): CrawlSummary {
  return {
    elapsedMs: 5000,
    pages: 202,
    items: 293,
    duplicatesFiltered: 1,
    ...failures,
    perNode: { master: 100, worker1: 102 },
    workers: exits.map((exit, i) => ({ id: `w${i}`, node: `node${i}`, exit })),
    ticks: [],
    stats,
    finished: true,
    expectedPages: 202,
    truth: t,
    itemSink: 'items.jsonl',
  } as unknown as CrawlSummary;
}

test('an exact crawl: one line, each page fetched once, exit 0', () => {
  const r = crawlReport(summary(truth(0), [0, 0]));
  assert.ok(r.ok);
  assert.match(r.lines.at(-1)!, /ground truth: 100 thread documents in .*; 202 pages, each fetched once/);
});

test('pages fetched twice with every worker ending well is a duplicate dispatch: MISMATCH naming the page', () => {
  const r = crawlReport(summary(truth(2), [0, 0]));
  assert.equal(r.ok, false);
  const text = r.lines.join('\n');
  assert.match(text, /MISMATCH with the site's ground truth:/);
  assert.match(text, /2 fetched twice/);
  assert.match(text, /fetched twice: \/p\/8000000001\?pn=1 \(2 times\)/);
});

test('leases reclaimed with every worker ending well (a worker stalled past leaseTimeout, as on emulated VMs under load): pages fetched again are at-least-once, and a line says why and names crawl.lease_timeout_s', () => {
  const r = crawlReport(summary(truth(14), [0, 0], undefined, { 'leases/reclaimed': 3 }));
  assert.ok(r.ok, r.lines.join('\n'));
  const text = r.lines.join('\n');
  assert.match(text, /14 of them fetched again .*\(at-least-once\)/);
  assert.match(
    text,
    /3 leases reclaimed although no worker stopped: a worker was silent longer than leaseTimeout/,
  );
  assert.match(text, /crawl\.lease_timeout_s in lab\.yaml/);
  // no reclaimed lease: the same counts are a duplicate dispatch
  assert.equal(crawlReport(summary(truth(14), [0, 0])).ok, false);
});

test('a killed worker: pages fetched again are at-least-once, said so; the exit still reports the worker', () => {
  const r = crawlReport(summary(truth(2), [0, 137]));
  assert.equal(r.ok, false, 'a worker did not end well');
  const text = r.lines.join('\n');
  assert.doesNotMatch(text, /MISMATCH/);
  assert.match(text, /worker w1 on node1: exit 137/);
  assert.match(text, /202 pages, each fetched, 2 of them fetched again .*at-least-once/);
});

test('a resumed crawl whose workers all end well holds with pages fetched again; a page never fetched still fails', () => {
  const resumed = crawlReport(summary(truth(1), [0, 0]), { resumed: true });
  assert.ok(resumed.ok);
  assert.match(resumed.lines.at(-1)!, /1 of them fetched again/);
  const missing = crawlReport(summary(truth(1, 3), [0, 0]), { resumed: true });
  assert.equal(missing.ok, false);
  assert.match(missing.lines.join('\n'), /MISMATCH.*\n.*\n.*3 not fetched/);
});

test('after a killed worker, an item written twice to an append-only JSON-lines file is at-least-once too; without an interruption it is a MISMATCH', () => {
  const repeated = truth(1);
  repeated.store.duplicated = 1;
  repeated.exact = false;
  repeated.complete = true; // as checkLabTruth computes it: every document right, one line repeated
  const killed = crawlReport(summary(repeated, [0, 137]));
  assert.match(killed.lines.join('\n'), /1 item written again, 1 of them fetched again .*at-least-once/);
  const calm = crawlReport(summary(repeated, [0, 0]));
  assert.equal(calm.ok, false);
  assert.match(calm.lines.join('\n'), /MISMATCH[\s\S]*1 duplicated/);
});

test('failed requests and errors show in the summary and make lab:crawl fail, even without a truth check, unless allowed (issue 15)', () => {
  const failing = summary(undefined, [0, 0], { failedRequests: 2, errors: 3 });
  const r = crawlReport(failing);
  assert.equal(r.ok, false, 'real-tieba: no truth check, still not ok');
  assert.match(r.lines[0]!, /2 requests failed for good, 3 errors/);
  assert.match(r.lines.join('\n'), /FAILED: 2 requests failed for good and 3 errors .*--allow-failures/);
  assert.equal(crawlResult(failing).ok, false);
  assert.deepEqual(
    [crawlResult(failing).crawl?.failedRequests, crawlResult(failing).crawl?.errors],
    [2, 3],
    'the JSON result carries both counts',
  );
  const allowed = crawlReport(failing, { allowFailures: true });
  assert.ok(allowed.ok);
  assert.match(allowed.lines.join('\n'), /allowed by --allow-failures/);
  const errorsOnly = crawlReport(summary(truth(0), [0, 0], { failedRequests: 0, errors: 1 }));
  assert.equal(errorsOnly.ok, false, 'an error alone fails an otherwise exact crawl');
  const clean = crawlReport(summary(undefined, [0, 0]));
  assert.ok(clean.ok);
  assert.match(clean.lines[0]!, /0 requests failed for good, 0 errors/);
});
