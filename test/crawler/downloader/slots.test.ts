import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startHttp } from '../../helpers/http.ts';
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

// Starts are timed where the downloader starts a request (not when the server, in this same busy
// process, gets to read it): a loaded machine delays arrivals unevenly, never the spacing itself.
test('downloadDelay spaces request starts to the same host', async (t) => {
  const srv = await startHttp((_q, res) => res.end('ok'));
  t.after(() => srv.close());
  const { dl, starts } = downloader(t, { downloadDelay: 0.15, randomizeDownloadDelay: false });
  const before = performance.now();
  await Promise.all(Array.from({ length: 4 }, (_, i) => dl.fetch(req(`${srv.origin}/${i}`))));
  assert.equal(starts.length, 4);
  // a start is counted a little after the slot grants it (a new connection takes a while), so one
  // gap between counts may look shorter than the delay on a loaded machine; but the fourth start
  // cannot come before three delays after the first could: 450 ms after the fetches began
  // (1 ms: the slot counts in Date.now() milliseconds, these in performance.now())
  const last = starts.at(-1)! - before;
  assert.ok(last >= 449, `the fourth start ${Math.round(last)} ms after the first fetch, want >= 450`);
  assert.equal(srv.hits.length, 4, 'every request reached the server');
});

test('randomised downloadDelay still waits at least half the delay', async (t) => {
  const srv = await startHttp((_q, res) => res.end('ok'));
  t.after(() => srv.close());
  const { dl, starts } = downloader(t, { downloadDelay: 0.2, randomizeDownloadDelay: true });
  const before = performance.now();
  await Promise.all(Array.from({ length: 4 }, (_, i) => dl.fetch(req(`${srv.origin}/${i}`))));
  // as above: three waits of at least half the delay each before the fourth start
  const last = starts.at(-1)! - before;
  assert.ok(last >= 299, `the fourth start ${Math.round(last)} ms after the first fetch, want >= 300`);
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

test('AutoThrottle delays the next start to a host by its adapted delay, not its start delay', async (t) => {
  const srv = await startHttp((_q, res) => res.end('ok'));
  t.after(() => srv.close());
  // Start delay 2 s; a fast first response (latency L) halves it to (2 + L) / 2 for the next start,
  // which was already waiting on the 2 s delay and is re-timed.
  const { dl, starts } = downloader(t, {
    autothrottleEnabled: true,
    autothrottleStartDelay: 2,
    downloadDelay: 0,
    randomizeDownloadDelay: false,
  });
  const first = dl.fetch(req(`${srv.origin}/a`));
  const second = dl.fetch(req(`${srv.origin}/b`));
  const latencyS = (await first).latencyMs / 1000;
  await second;
  const gap = (starts[1]! - starts[0]!) / 1000;
  const adapted = (2 + latencyS) / 2;
  // the lower bound allows 20 ms of clock and timer rounding (the latency and the start times are taken
  // at different points: 0.999 s against 1.003 s failed once with 2 ms); no delay at all would be ~0 s
  assert.ok(gap >= adapted - 0.02, `gap ${gap.toFixed(3)} s, want >= the adapted ${adapted.toFixed(3)} s`);
  // the unadapted 2 s would be 1 s later: far beyond any event-loop lag
  assert.ok(gap < 2 - 0.5, `gap ${gap.toFixed(3)} s: the start waited for the unadapted 2 s`);
});
