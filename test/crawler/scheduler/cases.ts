import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type CrawlRequest, toCrawlRequest } from '../../../crawler/http/request.ts';
import type { Scheduler } from '../../../crawler/scheduler/types.ts';
import { defaultSettings, type Settings } from '../../../crawler/settings/defaults.ts';

/**
 * Behaviour both schedulers share (memory-scheduler.test.ts and
 * redis-scheduler.test.ts run these against their implementation).
 * `make` returns an opened scheduler on fresh state; the caller cleans up.
 */
export type MakeScheduler = (overrides?: Partial<Settings>) => Promise<Scheduler>;

export const settingsWith = (overrides: Partial<Settings> = {}): Settings => ({
  ...defaultSettings(),
  ...overrides,
});

export const req = (path: string, init: { priority?: number; dontFilter?: boolean } = {}): CrawlRequest =>
  toCrawlRequest({ url: `http://127.0.0.1/${path}`, ...init });

const paths = (leases: { request: CrawlRequest }[]) =>
  leases.map((l) => new URL(l.request.url).pathname.slice(1));

export function sharedCases(make: MakeScheduler): void {
  test('hands out higher priority first and equal priorities in the order they were queued', async () => {
    const s = await make();
    await s.enqueue([
      req('a'),
      req('b', { priority: 5 }),
      req('c'),
      req('d', { priority: 5 }),
      req('e', { priority: -1 }),
      req('f'),
    ]);
    const got = await s.next(10);
    assert.deepEqual(paths(got.leases), ['b', 'd', 'a', 'c', 'f', 'e']);
    assert.equal(got.state, 'working');
  });

  test('fifo queue hands out requests in queue order, lifo newest first', async () => {
    const fifo = await make({ schedulerQueueClass: 'fifo' });
    await fifo.enqueue([req('a', { priority: 9 }), req('b'), req('c')]);
    assert.deepEqual(paths((await fifo.next(10)).leases), ['a', 'b', 'c']);
    const lifo = await make({ schedulerQueueClass: 'lifo' });
    await lifo.enqueue([req('a'), req('b'), req('c', { priority: -9 })]);
    assert.deepEqual(paths((await lifo.next(2)).leases), ['c', 'b']);
    assert.deepEqual(paths((await lifo.next(2)).leases), ['a']);
  });

  test('queues a request fingerprint only once unless dontFilter is set', async () => {
    const s = await make();
    assert.deepEqual(await s.enqueue([req('x'), req('x'), req('x?b=2&a=1'), req('x?a=1&b=2')]), {
      queued: 2,
      duplicates: 2,
    });
    const first = await s.next(10);
    await s.complete([
      {
        kind: 'done',
        leaseId: first.leases[0]!.leaseId,
        newRequests: [req('x'), req('x', { dontFilter: true }), req('y')],
      },
    ]);
    assert.deepEqual(paths((await s.next(10)).leases).sort(), ['x', 'y']);
    const stats = await s.stats();
    assert.equal(stats['dupefilter/filtered'], 3);
  });

  test('state is unseeded before any request, waiting while leases are out, finished when all is done', async () => {
    const s = await make();
    assert.equal((await s.next(5)).state, 'unseeded');
    await s.enqueue([req('only')]);
    const got = await s.next(5);
    assert.equal(got.leases.length, 1);
    assert.equal((await s.next(5)).state, 'waiting');
    await s.complete([{ kind: 'done', leaseId: got.leases[0]!.leaseId, newRequests: [] }], { pages: 1 });
    assert.equal((await s.next(5)).state, 'finished');
    const { pages } = await s.stats();
    assert.equal(pages, 1);
  });

  test('a retried request waits in the delayed set and comes back once due', async () => {
    const s = await make();
    await s.enqueue([req('later'), req('r')]);
    const leases = (await s.next(2)).leases;
    const [later, soon] = [
      leases.find((l) => l.request.url.endsWith('/later'))!,
      leases.find((l) => l.request.url.endsWith('/r'))!,
    ];
    // one retry due in an hour (it must stay out of reach) and one due in 150 ms (it must come back)
    await s.complete([
      {
        kind: 'retry',
        leaseId: later.leaseId,
        request: { ...later.request, attempt: 1 },
        delayMs: 3_600_000,
      },
      { kind: 'retry', leaseId: soon.leaseId, request: { ...soon.request, attempt: 1 }, delayMs: 150 },
    ]);
    let back: CrawlRequest | undefined;
    // poll with a deadline far beyond 150 ms: a loaded machine may be slow, never early
    for (const deadline = Date.now() + 60_000; !back && Date.now() < deadline; ) {
      const got = await s.next(1);
      if (got.leases.length === 0) assert.equal(got.state, 'waiting', 'waiting while retries are delayed');
      back = got.leases[0]?.request;
      if (!back) await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(
      back?.url,
      'http://127.0.0.1/r',
      'the retry due in 150 ms came back, not the one due in an hour',
    );
    assert.equal(back?.attempt, 1);
    const rest = await s.next(5);
    assert.deepEqual(rest.leases, [], 'the retry due in an hour is not handed out before it is due');
    assert.equal(rest.state, 'waiting');
    assert.ok(rest.nextDueInMs !== undefined && rest.nextDueInMs <= 3_600_000, String(rest.nextDueInMs));
  });

  test('a released lease goes back to the head of the queue', async () => {
    const s = await make();
    await s.enqueue([req('a'), req('b'), req('c')]);
    const [a] = (await s.next(1)).leases;
    await s.complete([{ kind: 'release', leaseId: a!.leaseId }]);
    assert.deepEqual(paths((await s.next(1)).leases), ['a']);
  });

  test('close() hands unfinished leases back to the queue', async () => {
    const s = await make();
    await s.enqueue([req('a'), req('b')]);
    assert.equal((await s.next(2)).leases.length, 2);
    await s.close();
    await s.open();
    assert.deepEqual(paths((await s.next(5)).leases).sort(), ['a', 'b']);
  });

  test('a repeated complete for the same lease does not queue its children twice', async () => {
    const s = await make();
    await s.enqueue([req('p')]);
    const [lease] = (await s.next(1)).leases;
    const outcome = {
      kind: 'done' as const,
      leaseId: lease!.leaseId,
      newRequests: [req('child', { dontFilter: true })],
    };
    await s.complete([outcome]);
    await s.complete([outcome]);
    assert.equal((await s.next(5)).leases.length, 1);
  });
}
