import assert from 'node:assert/strict';
import { test } from 'node:test';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { startHttp } from '../../helpers/http.ts';
import { downloader, rejectsWith, req } from './support.ts';

const TEXT = 'hello crawl-lab, '.repeat(500);

test('gzip, x-gzip, zlib deflate, raw deflate and br bodies are decoded', async (t) => {
  const bodies: Record<string, [string, Buffer]> = {
    '/gzip': ['gzip', gzipSync(TEXT)],
    '/x-gzip': ['x-gzip', gzipSync(TEXT)],
    '/deflate-zlib': ['deflate', deflateSync(TEXT)],
    '/deflate-raw': ['deflate', deflateRawSync(TEXT)],
    '/br': ['br', brotliCompressSync(TEXT)],
    '/two': ['gzip, br', brotliCompressSync(gzipSync(TEXT))],
  };
  let acceptEncoding = '';
  const srv = await startHttp((q, res) => {
    acceptEncoding = String(q.headers['accept-encoding']);
    const [enc, body] = bodies[q.url ?? '']!;
    res.writeHead(200, { 'content-encoding': enc, 'content-type': 'text/plain; charset=utf-8' });
    res.end(body);
  });
  t.after(() => srv.close());
  const { dl } = downloader(t);
  for (const path of Object.keys(bodies)) {
    const r = await dl.fetch(req(srv.origin + path));
    assert.equal(r.body.toString('utf8'), TEXT, path);
    assert.equal(r.headers['content-encoding'], undefined, `${path}: decoded, so the header is gone`);
    assert.equal(r.mediaType, 'text/plain');
  }
  assert.equal(acceptEncoding, 'gzip, deflate, br');
});

test('an unknown content-encoding returns the bytes as sent and counts it', async (t) => {
  const srv = await startHttp((_q, res) => {
    res.writeHead(200, { 'content-encoding': 'zstd' });
    res.end('raw-bytes');
  });
  t.after(() => srv.close());
  const { dl, stats } = downloader(t);
  const r = await dl.fetch(req(srv.url));
  assert.equal(r.body.toString(), 'raw-bytes');
  assert.equal(stats.get('downloader/unknown_content_encoding/zstd'), 1);
});

test('corrupt gzip data is an IgnoreRequest, not a crash', async (t) => {
  const srv = await startHttp((_q, res) => {
    res.writeHead(200, { 'content-encoding': 'gzip' });
    res.end(Buffer.concat([gzipSync(TEXT).subarray(0, 10), Buffer.from('garbage garbage garbage')]));
  });
  t.after(() => srv.close());
  const { dl } = downloader(t);
  await rejectsWith(dl.fetch(req(srv.url)), 'IgnoreRequest', 'CRAWL_E_DECODE');
});

test('with compression disabled no accept-encoding is sent and bodies stay encoded', async (t) => {
  let acceptEncoding: string | undefined = 'unset';
  const zipped = gzipSync(TEXT);
  const srv = await startHttp((q, res) => {
    acceptEncoding = q.headers['accept-encoding'];
    res.writeHead(200, { 'content-encoding': 'gzip' });
    res.end(zipped);
  });
  t.after(() => srv.close());
  const { dl } = downloader(t, { compressionEnabled: false });
  const r = await dl.fetch(req(srv.url));
  assert.equal(acceptEncoding, undefined);
  assert.deepEqual(r.body, zipped);
});

test('a Content-Length above downloadMaxsize is rejected before the body is read', async (t) => {
  const srv = await startHttp((_q, res) => {
    res.writeHead(200, { 'content-length': String(5000) });
    res.end(Buffer.alloc(5000, 97));
  });
  t.after(() => srv.close());
  const { dl } = downloader(t, { downloadMaxsize: 4096 });
  const e = await rejectsWith(dl.fetch(req(srv.url)), 'IgnoreRequest', 'CRAWL_E_TOO_LARGE');
  assert.equal((e['details'] as Record<string, unknown>)['seen'], 5000);
});

test('a chunked body growing past downloadMaxsize is cut off and its connection closed', async (t) => {
  let written = 0;
  let closedEarly = false;
  const total = 64 * 1024 * 1024;
  const srv = await startHttp((_q, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' }); // no length: chunked
    const chunk = Buffer.alloc(16 * 1024, 98);
    res.on('close', () => {
      closedEarly = written < total;
    });
    const pump = () => {
      while (written < total && !res.destroyed) {
        written += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
  });
  t.after(() => srv.close());
  const { dl } = downloader(t, { downloadMaxsize: 256 * 1024 });
  await rejectsWith(dl.fetch(req(srv.url)), 'IgnoreRequest', 'CRAWL_E_TOO_LARGE');
  await new Promise((r) => setTimeout(r, 50));
  assert.ok(closedEarly, `server wrote ${written} bytes and the client never hung up`);
});

test('a gzip bomb is stopped by the decoded size, though it is small on the wire', async (t) => {
  const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024)); // ~50 KB compressed
  const srv = await startHttp((_q, res) => {
    res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': String(bomb.length) });
    res.end(bomb);
  });
  t.after(() => srv.close());
  assert.ok(bomb.length < 1024 * 1024);
  const { dl } = downloader(t, { downloadMaxsize: 1024 * 1024 });
  await rejectsWith(dl.fetch(req(srv.url)), 'IgnoreRequest', 'CRAWL_E_TOO_LARGE');
});
