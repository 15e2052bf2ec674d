/**
 * A small least-recently-used map bounded by total weight (bytes for pages, a
 * count for generated threads). A Map keeps insertion order, so re-inserting on
 * read makes the first key the least recently used one.
 */
export class Lru<V> {
  readonly #map = new Map<string, { value: V; weight: number }>();
  readonly #max: number;
  readonly #weigh: (value: V) => number;
  #total = 0;

  constructor(maxWeight: number, weigh: (value: V) => number = () => 1) {
    this.#max = maxWeight;
    this.#weigh = weigh;
  }

  get(key: string): V | undefined {
    const hit = this.#map.get(key);
    if (hit === undefined) return undefined;
    this.#map.delete(key);
    this.#map.set(key, hit);
    return hit.value;
  }

  set(key: string, value: V): void {
    const weight = this.#weigh(value);
    if (weight > this.#max) return;
    const old = this.#map.get(key);
    if (old) {
      this.#total -= old.weight;
      this.#map.delete(key);
    }
    this.#map.set(key, { value, weight });
    this.#total += weight;
    for (const [k, v] of this.#map) {
      if (this.#total <= this.#max) break;
      this.#map.delete(k);
      this.#total -= v.weight;
    }
  }

  get size(): number {
    return this.#map.size;
  }

  get weight(): number {
    return this.#total;
  }
}
