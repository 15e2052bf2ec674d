import type { Settings } from '../settings/defaults.ts';

/**
 * Fingerprint filter parameters. The Lua side (lua/common.lua `filter_add`) only
 * compares bytes and flips bits; everything derived from the digest is computed here.
 *
 * exact: the first `dupefilterBucketBits` bits of the 20-byte SHA-1 pick a bucket key
 *   `<prefix>:dupefilter:<bucket hex>`, a STRING of packed 8-byte tags (the digest bytes
 *   after the bucket bits). A stored fingerprint keeps bucketBits + 64 bits (84 by
 *   default), so two different URLs collide with probability about n^2 / 2^(bits+65):
 *   ~3e-12 for 10 million URLs. Memory: ~18 bytes per URL at 10 million (see
 *   bench/fingerprints.bench.ts), against ~100 for scrapy-redis's SET of 40-hex strings.
 * bloom: k bit positions by double hashing (h1 + i*h2 mod m) over a fixed-size bitmap
 *   split into shards `<prefix>:bloom:<i>` of 2^30 bits (128 MiB, under Redis's 512 MB
 *   string cap). Memory is fixed by bloomCapacity; the catch is that an unseen URL is
 *   taken for seen (and never crawled) with probability bloomErrorRate.
 */

export const EXACT_TAG_BYTES = 8;
export const BLOOM_SHARD_BITS = 2 ** 30;

export interface BloomParams {
  /** m: bits in total */
  bits: number;
  /** k: positions per fingerprint */
  hashes: number;
  shardBits: number;
  shards: number;
}

/** m = -n ln p / (ln 2)^2, k = (m / n) ln 2, rounded to at least 1. */
export function bloomParams(capacity: number, errorRate: number): BloomParams {
  const bits = Math.ceil((-capacity * Math.log(errorRate)) / Math.LN2 ** 2);
  const hashes = Math.max(1, Math.round((bits / capacity) * Math.LN2));
  return { bits, hashes, shardBits: BLOOM_SHARD_BITS, shards: Math.ceil(bits / BLOOM_SHARD_BITS) };
}

/** Bytes of Redis strings a bloom filter ends up allocating (all shards touched). */
export function bloomBytes(p: BloomParams): number {
  return Math.ceil(p.bits / 8);
}

/** Bucket (hex, fixed width) and tag of a digest for the exact filter. */
export function exactBucket(fp: Buffer, bucketBits: number): { bucket: string; tag: Buffer } {
  const index = fp.readUIntBE(0, 3) >>> (24 - bucketBits);
  const skip = Math.ceil(bucketBits / 8);
  return {
    bucket: index.toString(16).padStart(Math.ceil(bucketBits / 4), '0'),
    tag: fp.subarray(skip, skip + EXACT_TAG_BYTES),
  };
}

/** 'shard:offset,...' for the k positions of a digest. */
export function bloomPositions(fp: Buffer, p: BloomParams): string {
  const m = BigInt(p.bits);
  const h1 = fp.readBigUInt64BE(0) % m;
  // odd step, so the k positions differ even when m is even
  const h2 = (fp.readBigUInt64BE(8) | 1n) % m;
  const shardBits = BigInt(p.shardBits);
  const out: string[] = [];
  let pos = h1;
  for (let i = 0; i < p.hashes; i++) {
    out.push(`${pos / shardBits}:${pos % shardBits}`);
    pos = (pos + h2) % m;
  }
  return out.join(',');
}

/** Probability that any two of n distinct URLs share a stored exact fingerprint. */
export function exactCollisionChance(n: number, bucketBits: number): number {
  return (n * n) / 2 ** (bucketBits + EXACT_TAG_BYTES * 8 + 1);
}

export interface FilterCodec {
  kind: 'exact' | 'bloom';
  bloom: BloomParams;
  /** The two filter arguments the Lua scripts take for one fingerprint. */
  args(fp: Buffer): [string, string | Buffer];
}

export function createFilterCodec(
  settings: Pick<Settings, 'dupefilterClass' | 'dupefilterBucketBits' | 'bloomCapacity' | 'bloomErrorRate'>,
): FilterCodec {
  const bloom = bloomParams(settings.bloomCapacity, settings.bloomErrorRate);
  if (settings.dupefilterClass === 'bloom') {
    return { kind: 'bloom', bloom, args: (fp) => [bloomPositions(fp, bloom), ''] };
  }
  const bits = settings.dupefilterBucketBits;
  return {
    kind: 'exact',
    bloom,
    args: (fp) => {
      const { bucket, tag } = exactBucket(fp, bits);
      return [bucket, tag];
    },
  };
}
