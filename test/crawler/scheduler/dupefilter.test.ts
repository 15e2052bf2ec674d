import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  bloomParams,
  bloomPositions,
  exactBucket,
  exactCollisionChance,
} from '../../../crawler/scheduler/dupefilter.ts';
import { keysFor, prefixPattern } from '../../../crawler/scheduler/keys.ts';
import { settingsWith } from './cases.ts';

test('bloom sizing follows m = -n ln p / (ln 2)^2 and k = (m / n) ln 2', () => {
  const p = bloomParams(100_000_000, 0.0001);
  assert.equal(p.hashes, 13);
  assert.ok(Math.abs(p.bits / 100_000_000 - 19.17) < 0.01);
  assert.equal(p.shards, Math.ceil(p.bits / 2 ** 30));
  assert.ok(p.shardBits <= 2 ** 32);
});

test('bloom positions are k distinct in-range bit offsets in their shards', () => {
  const p = { ...bloomParams(10_000, 0.001), shardBits: 4096 };
  p.shards = Math.ceil(p.bits / p.shardBits);
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 20, maxLength: 20 }), (bytes) => {
      const pos = bloomPositions(Buffer.from(bytes), p).split(',');
      assert.equal(pos.length, p.hashes);
      const abs = pos.map((s) => {
        const [shard, off] = s.split(':').map(Number) as [number, number];
        assert.ok(shard < p.shards && off < p.shardBits);
        return shard * p.shardBits + off;
      });
      for (const a of abs) assert.ok(a < p.bits);
    }),
  );
});

test('exact bucket is the first bucketBits bits and the tag the 8 bytes after them', () => {
  const fp = Buffer.from('1ed2d811ff235ef086a8280e04f08b6b73e57371', 'hex');
  assert.deepEqual(exactBucket(fp, 20), { bucket: '1ed2d', tag: Buffer.from('11ff235ef086a828', 'hex') });
  assert.deepEqual(exactBucket(fp, 16), { bucket: '1ed2', tag: Buffer.from('d811ff235ef086a8', 'hex') });
  assert.equal(exactBucket(fp, 4).bucket, '1');
  assert.ok(exactCollisionChance(1e7, 20) < 1e-11);
});

test("keys are the article's by default, '{{spider}}' gives a cluster hash tag, and the SCAN pattern escapes globs", () => {
  const keys = keysFor('tieba', settingsWith());
  assert.equal(keys.requests, 'tieba:requests');
  assert.equal(keys.startUrls, 'tieba:start_urls');
  assert.equal(keys.dupefilter, 'tieba:dupefilter');
  assert.equal(keysFor('tieba', settingsWith({ redisKeyPrefix: '{{spider}}' })).requests, '{tieba}:requests');
  assert.equal(
    prefixPattern(keysFor('t', settingsWith({ redisKeyPrefix: 'job[1]*:{spider}' }))),
    'job\\[1\\]\\*:t:*',
  );
  assert.throws(() => keysFor('bad name', settingsWith()), /cannot be used in Redis keys/);
});
