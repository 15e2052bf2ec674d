import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRetryAfter } from '../../../crawler/downloader/middlewares/http-errors.ts';
import { retryDelayMs, retryRequest, shouldRetry } from '../../../crawler/downloader/middlewares/retry.ts';
import { IgnoreRequest, RetryableError } from '../../../crawler/errors.ts';
import { PRIORITY_LIMIT } from '../../../crawler/http/request.ts';
import { req, settingsWith } from './support.ts';

const net = () => new RetryableError('CRAWL_E_NETWORK', 'reset');

test('only retryable errors are retried, while attempts remain', () => {
  const s = settingsWith({ retryTimes: 2 });
  assert.equal(shouldRetry(net(), req('http://127.0.0.1/'), s), true);
  assert.equal(shouldRetry(net(), { ...req('http://127.0.0.1/'), attempt: 1 }, s), true);
  assert.equal(shouldRetry(net(), { ...req('http://127.0.0.1/'), attempt: 2 }, s), false);
  assert.equal(
    shouldRetry(new IgnoreRequest('CRAWL_E_HTTP_STATUS', '404'), req('http://127.0.0.1/'), s),
    false,
  );
  assert.equal(shouldRetry(new Error('bug'), req('http://127.0.0.1/'), s), false);
});

test('retryEnabled=false and meta.dontRetry switch retries off', () => {
  assert.equal(shouldRetry(net(), req('http://127.0.0.1/'), settingsWith({ retryEnabled: false })), false);
  assert.equal(
    shouldRetry(net(), req('http://127.0.0.1/', { meta: { dontRetry: true } }), settingsWith()),
    false,
  );
});

test('the backoff doubles per attempt within ±20% jitter and stops at retryBackoffMax', () => {
  const s = settingsWith({ retryBackoffBase: 1, retryBackoffMax: 10 });
  assert.equal(
    retryDelayMs(net(), 0, s, () => 0.5),
    1000,
  );
  assert.equal(
    retryDelayMs(net(), 2, s, () => 0.5),
    4000,
  );
  assert.equal(
    retryDelayMs(net(), 2, s, () => 0),
    3200,
  );
  assert.equal(
    retryDelayMs(net(), 2, s, () => 0.999999),
    4800,
  );
  assert.equal(
    retryDelayMs(net(), 10, s, () => 0.999999),
    10_000,
  );
  for (let i = 0; i < 50; i++) {
    const d = retryDelayMs(net(), 1, s);
    assert.ok(d >= 1600 && d <= 2400, String(d));
  }
});

test('a larger Retry-After wins over the backoff but stays capped', () => {
  const s = settingsWith({ retryBackoffBase: 1, retryBackoffMax: 30 });
  const after = (ms: number) => new RetryableError('CRAWL_E_HTTP_RETRYABLE', '429', { retryAfterMs: ms });
  assert.equal(
    retryDelayMs(after(20_000), 0, s, () => 0.5),
    20_000,
  );
  assert.equal(
    retryDelayMs(after(100), 2, s, () => 0.5),
    4000,
  );
  assert.equal(
    retryDelayMs(after(90_000), 0, s, () => 0.5),
    30_000,
  );
});

test('the retry copy counts the attempt, lowers priority within bounds and skips the dupefilter', () => {
  const s = settingsWith({ retryPriorityAdjust: -1 });
  const original = req('http://127.0.0.1/', { priority: 5, meta: { a: 1 } });
  const copy = retryRequest(original, s);
  assert.equal(copy.attempt, 1);
  assert.equal(copy.priority, 4);
  assert.equal(copy.dontFilter, true);
  assert.deepEqual(copy.meta, { a: 1 });
  assert.notEqual(copy.meta, original.meta);
  assert.equal(original.attempt, 0, 'the original is not modified');
  const low = retryRequest({ ...original, priority: -PRIORITY_LIMIT }, s);
  assert.equal(low.priority, -PRIORITY_LIMIT);
});

test('Retry-After parses seconds and HTTP dates, rejects junk, and is capped', () => {
  const s = settingsWith({ retryBackoffMax: 60 });
  const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
  assert.equal(parseRetryAfter('120', settingsWith({ retryBackoffMax: 600 }), now), 120_000);
  assert.equal(parseRetryAfter(' 5 ', s, now), 5000);
  assert.equal(parseRetryAfter('Wed, 21 Oct 2015 07:28:30 GMT', s, now), 30_000);
  assert.equal(parseRetryAfter('Wed, 21 Oct 2015 07:27:00 GMT', s, now), 0, 'a past date means now');
  assert.equal(parseRetryAfter('Wed, 21 Oct 2015 09:00:00 GMT', s, now), 60_000);
  assert.equal(parseRetryAfter('3600', s, now), 60_000);
  for (const junk of ['soon', '-5', '1.5', 'Tomorrow', '', undefined]) {
    assert.equal(parseRetryAfter(junk, s, now), undefined, String(junk));
  }
});
