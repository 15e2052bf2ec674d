/**
 * Counters of this worker. `take()` hands the not-yet-sent increments to the
 * scheduler, which adds them to the crawl-wide and per-worker stats in Redis
 * atomically with the acknowledgements they describe.
 */
export class LocalStats {
  #delta: Record<string, number> = Object.create(null);
  readonly totals: Record<string, number> = Object.create(null);

  inc(name: string, by = 1): void {
    this.#delta[name] = (this.#delta[name] ?? 0) + by;
    this.totals[name] = (this.totals[name] ?? 0) + by;
  }

  get(name: string): number {
    return this.totals[name] ?? 0;
  }

  take(): Record<string, number> {
    const out = this.#delta;
    this.#delta = Object.create(null);
    return out;
  }

  /** Put back increments that could not be sent (Redis unreachable), so none are lost. */
  restore(delta: Record<string, number>): void {
    for (const [k, v] of Object.entries(delta)) this.#delta[k] = (this.#delta[k] ?? 0) + v;
  }
}
