import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deflateRawSync, deflateSync } from 'node:zlib';
import { initialDelay, nextDelay } from '../../../crawler/downloader/middlewares/autothrottle.ts';
import { looksLikeZlib, parseContentEncoding } from '../../../crawler/downloader/middlewares/decompress.ts';
import { settingsWith } from './support.ts';

const s = settingsWith({
  autothrottleEnabled: true,
  autothrottleStartDelay: 5,
  autothrottleMaxDelay: 60,
  autothrottleTargetConcurrency: 1,
  downloadDelay: 0.5,
});

test('AutoThrottle starts at the larger of its start delay and downloadDelay', () => {
  assert.equal(initialDelay(s), 5);
  assert.equal(initialDelay({ ...s, downloadDelay: 8 }), 8);
  assert.equal(initialDelay({ ...s, autothrottleEnabled: false }), 0.5);
});

test('AutoThrottle moves halfway toward latency / target concurrency, never below the target', () => {
  assert.equal(nextDelay(5, 1, 200, s), 3); // (5 + 1) / 2
  assert.equal(nextDelay(1, 4, 200, s), 4); // target 4 beats (1 + 4) / 2
  assert.equal(nextDelay(5, 1, 200, { ...s, autothrottleTargetConcurrency: 2 }), 2.75); // target 0.5
});

test('AutoThrottle stays within [downloadDelay, autothrottleMaxDelay]', () => {
  assert.equal(nextDelay(0.6, 0.01, 200, s), 0.5);
  assert.equal(nextDelay(50, 200, 200, s), 60);
});

test('a non-200 response never lowers the AutoThrottle delay but may raise it', () => {
  assert.equal(nextDelay(5, 0.1, 503, s), 5);
  assert.equal(nextDelay(5, 0.1, 404, s), 5);
  assert.equal(nextDelay(1, 9, 503, s), 9);
});

test('deflate bodies are told apart: zlib-wrapped or raw', () => {
  assert.equal(looksLikeZlib(deflateSync('some text')), true);
  assert.equal(looksLikeZlib(deflateRawSync('some text')), false);
  assert.deepEqual(parseContentEncoding(' GZIP, identity ,br'), ['gzip', 'br']);
});
