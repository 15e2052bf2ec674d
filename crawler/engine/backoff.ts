import { BackOff } from '../errors.ts';
import type { Logger } from '../log.ts';

/**
 * Rides through a Redis that refuses writes for a while (a BackOff error:
 * CRAWL_E_REDIS_OOM out of memory, CRAWL_E_REDIS_MISCONF disk full), the way a worker rides through a Redis restart: it says
 * why once per episode (with the fix), waits longer each time (up to 5 s),
 * and says when Redis takes writes again. Nothing is retried or counted.
 */
const MAX_WAIT_MS = 5000;

export class BackOffGate {
  readonly #log: Logger;
  #since: number | undefined;
  #tries = 0;

  constructor(log: Logger) {
    this.#log = log;
  }

  /** How long to wait before trying again, or undefined when the error is not a back-off (rethrow it). */
  waitMs(error: unknown): number | undefined {
    if (!(error instanceof BackOff)) return undefined;
    if (this.#since === undefined) {
      this.#since = Date.now();
      this.#log.warn(`${error.explain()}\n  (this worker waits and tries again)`);
    }
    this.#tries++;
    return Math.min(MAX_WAIT_MS, 100 * 2 ** this.#tries);
  }

  /** A call went through: an episode, if any, is over. */
  passed(): void {
    if (this.#since === undefined) return;
    this.#log.info(`Redis takes writes again after ${((Date.now() - this.#since) / 1000).toFixed(1)} s`);
    this.#since = undefined;
    this.#tries = 0;
  }
}
