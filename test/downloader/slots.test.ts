import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startHttp } from '../helpers/http.ts';
import { downloader, req } from './support.ts';

test('per-host concurrency never exceeds concurrentRequestsPerDomain', async (t) => {
  let inFlight = 0;
  let peak = 0;
  const srv = await startHttp((_q, res) => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    setTimeout(() => {
      inFlight--;
      res.end('ok');
    }, 30);
  });
  t.after(() => srv.close());
  const { dl } = downloader(t, { concurrentRequestsPerDomain: 2 });
  await Promise.all(Array.from({ length: 10 }, (_, i) => dl.fetch(req(`${srv.origin}/${i}`))));
  assert.equal(peak, 2, 'two at a time: never more, and the limit is actually used');
});

test('downloadDelay spaces request starts to the same host', async (t) => {
  const starts: number[] = [];
  const srv = await startHttp((_q, res) => {
    starts.push(performance.now());
    res.end('ok');
  });
  t.after(() => srv.close());
  const { dl } = downloader(t, { downloadDelay: 0.15, randomizeDownloadDelay: false });
  await Promise.all(Array.from({ length: 4 }, (_, i) => dl.fetch(req(`${srv.origin}/${i}`))));
  const gaps = starts.slice(1).map((s, i) => s - starts[i]!);
  for (const gap of gaps) assert.ok(gap >= 140, `gaps ${gaps.map(Math.round).join(', ')} ms, want >= 150`);
});

test('randomised downloadDelay still waits at least half the delay', async (t) => {
  const starts: number[] = [];
  const srv = await startHttp((_q, res) => {
    starts.push(performance.now());
    res.end('ok');
  });
  t.after(() => srv.close());
  const { dl } = downloader(t, { downloadDelay: 0.2, randomizeDownloadDelay: true });
  await Promise.all(Array.from({ length: 4 }, (_, i) => dl.fetch(req(`${srv.origin}/${i}`))));
  const gaps = starts.slice(1).map((s, i) => s - starts[i]!);
  for (const gap of gaps) assert.ok(gap >= 90, `gaps ${gaps.map(Math.round).join(', ')} ms, want >= 100`);
});

test('keep-alive reuses connections for sequential requests', async (t) => {
  let connections = 0;
  const srv = await startHttp((_q, res) => res.end('ok'));
  srv.server.on('connection', () => connections++);
  t.after(() => srv.close());
  const { dl, stats } = downloader(t);
  for (let i = 0; i < 10; i++) await dl.fetch(req(`${srv.origin}/${i}`));
  // undici's pool may open a second socket when the next request is dispatched in the same tick the
  // previous one completes; without keep-alive this would be 10.
  assert.ok(connections <= 2, `${connections} connections for 10 requests`);
  assert.equal(stats.get('downloader/request_count'), 10);
  assert.equal(stats.get('downloader/response_bytes'), 20);
});

test('an aborted signal gives up the wait for a slot without sending', async (t) => {
  const srv = await startHttp((_q, res) => setTimeout(() => res.end('ok'), 100));
  t.after(() => srv.close());
  const { dl } = downloader(t, { concurrentRequestsPerDomain: 1 });
  const first = dl.fetch(req(`${srv.origin}/first`));
  const ac = new AbortController();
  const second = dl.fetch(req(`${srv.origin}/second`), ac.signal);
  ac.abort(new Error('shutdown'));
  await assert.rejects(second, /shutdown/);
  await first;
  assert.deepEqual(srv.hits, ['/first']);
});

test('AutoThrottle delays the next start to a host by its adapted delay', async (t) => {
  const starts: number[] = [];
  const srv = await startHttp((_q, res) => {
    starts.push(performance.now());
    res.end('ok');
  });
  t.after(() => srv.close());
  // Start delay 0.4 s; a fast first response halves it to about 0.2 s for the next start.
  const { dl } = downloader(t, {
    autothrottleEnabled: true,
    autothrottleStartDelay: 0.4,
    downloadDelay: 0,
    randomizeDownloadDelay: false,
  });
  await Promise.all([dl.fetch(req(`${srv.origin}/a`)), dl.fetch(req(`${srv.origin}/b`))]);
  const gap = starts[1]! - starts[0]!;
  assert.ok(gap >= 180, `gap ${Math.round(gap)} ms, want >= about 200`);
});
