import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { startHttp } from '../../helpers/http.ts';
import { downloader, rejectsWith, req } from './support.ts';

test('a server that never sends headers times out as CRAWL_E_TIMEOUT', async (t) => {
  const srv = await startHttp(() => {
    /* never answers */
  });
  t.after(() => srv.close());
  const { dl, stats } = downloader(t, { downloadHeadersTimeout: 0.3 });
  const e = await rejectsWith(dl.fetch(req(srv.url)), 'RetryableError', 'CRAWL_E_TIMEOUT');
  assert.ok(e['cause'], 'the undici error is kept as cause');
  assert.equal(stats.get('downloader/exception_type_count/CRAWL_E_TIMEOUT'), 1);
});

test('issue 13: downloadTimeout also bounds the wait for headers, under a longer downloadHeadersTimeout', async (t) => {
  const srv = await startHttp(() => {
    /* never answers */
  });
  t.after(() => srv.close());
  const { dl } = downloader(t, { downloadTimeout: 0.3, downloadHeadersTimeout: 60 });
  const e = await rejectsWith(dl.fetch(req(srv.url)), 'RetryableError', 'CRAWL_E_TIMEOUT');
  assert.match(String(e['message']), /took longer than downloadTimeout \(0\.3 s\)/);
});

test('a body that never ends is aborted by downloadTimeout', async (t) => {
  const srv = await startHttp((_q, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.write('<html>'); // then silence, connection open
  });
  t.after(() => srv.close());
  const { dl } = downloader(t, { downloadTimeout: 0.3 });
  await rejectsWith(dl.fetch(req(srv.url)), 'RetryableError', 'CRAWL_E_TIMEOUT');
});

test('a body that trickles forever is aborted by downloadTimeout although chunks keep coming', async (t) => {
  const timers: NodeJS.Timeout[] = [];
  const srv = await startHttp((_q, res) => {
    res.writeHead(200);
    // One byte every 50 ms, bounded at 200 bytes so the server stops by itself.
    let n = 0;
    const timer = setInterval(() => {
      if (res.destroyed || n++ >= 200) return void clearInterval(timer);
      res.write('x');
    }, 50);
    timers.push(timer);
  });
  t.after(() => {
    for (const timer of timers) clearInterval(timer);
    return srv.close();
  });
  const { dl } = downloader(t, { downloadTimeout: 0.3 });
  await rejectsWith(dl.fetch(req(srv.url)), 'RetryableError', 'CRAWL_E_TIMEOUT');
});

test('a refused connection is a retryable CRAWL_E_NETWORK that keeps the system error', async (t) => {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as { port: number }).port;
  await new Promise((r) => probe.close(r));
  const { dl } = downloader(t);
  const e = await rejectsWith(
    dl.fetch(req(`http://127.0.0.1:${port}/`)),
    'RetryableError',
    'CRAWL_E_NETWORK',
  );
  assert.equal((e['details'] as Record<string, unknown>)['systemCode'], 'ECONNREFUSED');
});

test('a connection reset mid-body is a retryable CRAWL_E_NETWORK', async (t) => {
  const srv = await startHttp((_q, res) => {
    res.writeHead(200, { 'content-length': '1000' });
    res.write('partial');
    setTimeout(() => res.socket?.destroy(), 20);
  });
  t.after(() => srv.close());
  const { dl } = downloader(t);
  await rejectsWith(dl.fetch(req(srv.url)), 'RetryableError', 'CRAWL_E_NETWORK');
});

test('statuses are classified: 503 retryable, 404 ignored, allowed ones returned', async (t) => {
  const srv = await startHttp((q, res) => {
    res.writeHead(Number(q.url?.slice(1)));
    res.end('body');
  });
  t.after(() => srv.close());
  const { dl, stats } = downloader(t, { httpErrorAllowedCodes: [410] });
  const e503 = await rejectsWith(
    dl.fetch(req(`${srv.origin}/503`)),
    'RetryableError',
    'CRAWL_E_HTTP_RETRYABLE',
  );
  assert.equal(e503['retryAfterMs'], undefined);
  const e404 = await rejectsWith(dl.fetch(req(`${srv.origin}/404`)), 'IgnoreRequest', 'CRAWL_E_HTTP_STATUS');
  assert.equal((e404['details'] as Record<string, unknown>)['status'], 404);
  assert.equal((await dl.fetch(req(`${srv.origin}/410`))).status, 410);
  const viaMeta = await dl.fetch(req(`${srv.origin}/404`, { meta: { handleHttpStatusList: [404] } }));
  assert.equal(viaMeta.status, 404);
  assert.equal(viaMeta.body.toString(), 'body');
  assert.equal(stats.get('downloader/response_status_count/404'), 2);
  assert.equal(stats.get('downloader/response_count'), 4);
});

test('429 carries Retry-After as seconds or as an HTTP date, capped by retryBackoffMax', async (t) => {
  const srv = await startHttp((q, res) => {
    const value = decodeURIComponent(q.url?.slice(1) ?? '');
    res.writeHead(429, value ? { 'retry-after': value } : {});
    res.end();
  });
  t.after(() => srv.close());
  const { dl } = downloader(t, { retryBackoffMax: 60 });
  const at = (v: string) => `${srv.origin}/${encodeURIComponent(v)}`;
  const secs = await rejectsWith(dl.fetch(req(at('7'))), 'RetryableError', 'CRAWL_E_HTTP_RETRYABLE');
  assert.equal(secs['retryAfterMs'], 7000);
  const date = new Date(Date.now() + 30_000).toUTCString();
  const dated = await rejectsWith(dl.fetch(req(at(date))), 'RetryableError', 'CRAWL_E_HTTP_RETRYABLE');
  const ms = dated['retryAfterMs'] as number;
  assert.ok(ms > 25_000 && ms <= 30_000, `Retry-After ${date} gave ${ms} ms`);
  const capped = await rejectsWith(dl.fetch(req(at('86400'))), 'RetryableError', 'CRAWL_E_HTTP_RETRYABLE');
  assert.equal(capped['retryAfterMs'], 60_000);
  const junk = await rejectsWith(dl.fetch(req(at('soon'))), 'RetryableError', 'CRAWL_E_HTTP_RETRYABLE');
  assert.equal(junk['retryAfterMs'], undefined);
});

test('non-http schemes are ignored with CRAWL_E_SCHEME without any traffic', async (t) => {
  const { dl, stats } = downloader(t);
  await rejectsWith(dl.fetch(req('ftp://127.0.0.1/file')), 'IgnoreRequest', 'CRAWL_E_SCHEME');
  assert.equal(stats.get('downloader/request_count'), undefined);
});

test('default headers, user agent and the request body are sent; request headers win', async (t) => {
  let seen: { headers: Record<string, unknown>; method: string; body: string } | undefined;
  const srv = await startHttp((q, res) => {
    const parts: Buffer[] = [];
    q.on('data', (c: Buffer) => parts.push(c));
    q.on('end', () => {
      seen = { headers: q.headers, method: q.method ?? '', body: Buffer.concat(parts).toString() };
      res.end('ok');
    });
  });
  t.after(() => srv.close());
  const { dl } = downloader(t, {
    userAgent: 'lab-test/1.0',
    defaultRequestHeaders: { accept: 'text/html', 'x-a': 'default' },
  });
  await dl.fetch(req(srv.url, { method: 'POST', body: 'a=1', headers: { 'X-A': 'mine' } }));
  assert.equal(seen?.method, 'POST');
  assert.equal(seen?.body, 'a=1');
  assert.equal(seen?.headers['user-agent'], 'lab-test/1.0');
  assert.equal(seen?.headers['accept'], 'text/html');
  assert.equal(seen?.headers['x-a'], 'mine');
});
