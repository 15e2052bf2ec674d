/**
 * Seeded, order-independent randomness. Every piece of site data draws from its
 * own stream keyed by (seed, kind, indexes), so a thread page can be generated
 * alone, in any order, and still come out byte-identical.
 */

/** murmur3's 32-bit finaliser: spreads every input bit over the whole word. */
function fmix(h: number): number {
  let x = h >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Hash of a list of integers (indexes may exceed 2^32: the high part is folded in). */
export function hashInts(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    h = fmix(h ^ (p >>> 0));
    h = fmix(h + Math.floor(p / 0x100000000));
  }
  return h;
}

/** Stable 32-bit hash of a string (FNV-1a then finalised), for kind names. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return fmix(h);
}

export interface Rng {
  /** Float in [0, 1). */
  next(): number;
  /** Integer in [min, max], both included. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
}

/** mulberry32: tiny, fast, good enough for test data (not for secrets). */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => items[Math.floor(next() * items.length)]!,
    chance: (p) => next() < p,
  };
}

/** The random stream for one piece of data: `streamOf(seed, 'post', thread, floor)`. */
export function streamOf(seed: number, kind: string, ...indexes: number[]): Rng {
  return mulberry32(hashInts(seed, hashString(kind), ...indexes));
}
