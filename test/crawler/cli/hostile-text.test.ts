import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { createLogger } from '../../../crawler/log.ts';
import { crawlCli } from '../../helpers/crawl-cli.ts';
import { sharedRedis } from '../../helpers/redis.ts';

/**
 * Issue 15 §1: text from crawled servers and from anyone who can write to
 * Redis reaches the operator's terminal with its control characters escaped
 * (common/terminal.ts): no window title set, no screen cleared, no line
 * rewritten. Newlines stay.
 */
const SPIDER = 'test/fixtures/spiders/graph-spider.ts';
const redis = sharedRedis();

// OSC "set window title", CSI "clear screen" (7-bit and the 8-bit C1 form), a carriage return, DEL,
// and the bidi override and isolate that make text display in another order ("Trojan Source")
const HOSTILE = '\x1b]0;pwned\x07\x1b[2J\x9b2J\rX\x7f\u202eevil\u2066';
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

function assertSafe(text: string, where: string): void {
  const at = text.search(RAW_CONTROL);
  assert.equal(
    at,
    -1,
    `${where} holds a raw control character at ${at}: ${JSON.stringify(text.slice(at - 20, at + 20))}`,
  );
}

test('the logger escapes control characters in the message and fields, in text and in JSON lines (issue 15)', () => {
  for (const format of ['text', 'json'] as const) {
    const lines: string[] = [];
    const log = createLogger({ level: 'debug', format, write: (l) => lines.push(l) });
    log.warn(`request failed ${HOSTILE}`, { reason: HOSTILE, nested: { why: HOSTILE } });
    assert.equal(lines.length, 1);
    assertSafe(lines[0]!, `a ${format} log line`);
    assert.ok(lines[0]!.includes('\\u001b]0;pwned\\u0007'), lines[0]);
    assert.ok(lines[0]!.includes('\\u202eevil\\u2066'), lines[0]);
    if (format === 'json') {
      // the escaped form is a JSON escape: the line parses and gives the original text back
      const obj = JSON.parse(lines[0]!) as Record<string, unknown>;
      assert.equal(obj['reason'], HOSTILE);
    }
  }
  const multi: string[] = [];
  createLogger({ level: 'info', format: 'text', write: (l) => multi.push(l) }).info(
    'line one\nline two\tend',
  );
  assert.match(multi[0]!, /line one\nline two\tend$/, 'newlines and tabs are kept');
});

test('crawl stats and crawl inspect escape a hostile worker id and stat name written into Redis (issue 15)', async () => {
  const p = 'hostile1';
  await redis.admin.hset(`${p}:stats`, `evil${HOSTILE}`, '1', 'response_received_count', '3');
  const id = `w${HOSTILE}`;
  await redis.admin.zadd(`${p}:workers`, Date.now() + 60_000, id);
  await redis.admin.hset(`${p}:worker:${id}`, 'host', `h${HOSTILE}`, 'lastSeen', String(Date.now()));
  const common = [SPIDER, '--redis', redis.url, '--set', `redisKeyPrefix=${p}`];
  for (const args of [['stats'], ['stats', '--json'], ['inspect'], ['inspect', '--json']]) {
    const r = await crawlCli([args[0]!, ...common, ...args.slice(1)]).done;
    assert.equal(r.code, 0, r.stderr);
    assertSafe(r.stdout, `crawl ${args.join(' ')}`);
    assert.ok(
      r.stdout.includes('\\u001b[2J'),
      `crawl ${args.join(' ')} shows the escape visibly:\n${r.stdout}`,
    );
    if (args[1] === '--json') {
      const parsed = JSON.parse(r.stdout) as { workers: { id: string }[] };
      assert.ok(
        parsed.workers.some((w) => w.id === id),
        'the JSON still decodes to the worker id as stored',
      );
    }
  }
});

test("a worker's log escapes a hostile server's header text (C1 bytes a server may legally send) (issue 15)", async (t) => {
  // a raw HTTP server: Node's own refuses to send such a header; undici accepts 0x80-0xff (obs-text)
  const server = net.createServer((socket) => {
    socket.once('data', () =>
      socket.end(
        Buffer.from(
          'HTTP/1.1 200 OK\r\nContent-Type: image/x\x9b2J\x9b0;evil\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi',
          'latin1',
        ),
      ),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const { port } = server.address() as net.AddressInfo;
  const p = 'hostile2';
  const common = [SPIDER, '--redis', redis.url, '--set', `redisKeyPrefix=${p}`];
  const seed = await crawlCli(['seed', ...common, `http://127.0.0.1:${port}/`]).done;
  assert.equal(seed.code, 0, seed.stderr);
  const run = await crawlCli(['run', ...common, '--set', 'logLevel=debug']).done;
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /content type is image\/x\\u009b2J/, run.stderr);
  assertSafe(run.stderr, "the worker's log");
  assertSafe(run.stdout, "the worker's summary");
});
