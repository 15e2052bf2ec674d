import { BackOff } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { Pipeline } from '../pipelines/pipeline.ts';
import type { Outcome, Scheduler } from '../scheduler/types.ts';
import type { LocalStats } from './local-stats.ts';

/**
 * Batches outcomes so a worker makes about one Redis round trip per batch of
 * pages, not per page. Order per flush: the pipeline's sinks first (items
 * durable), then one atomic `scheduler.complete()` (leases released, children
 * queued, stats added). Flushes never overlap. A failed flush keeps its
 * outcomes and stats and is tried again, so nothing is lost while Redis is away.
 */
export class AckBatcher {
  #pending: Outcome[] = [];
  #chain: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #failures = 0;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly pipeline: Pipeline,
    private readonly stats: LocalStats,
    private readonly log: Logger,
    private readonly options: { maxBatch: number; intervalMs: number },
  ) {}

  get pending(): number {
    return this.#pending.length;
  }

  add(outcome: Outcome): void {
    this.#pending.push(outcome);
    if (this.#pending.length >= this.options.maxBatch) void this.flush().catch(() => {});
    else this.#timer ??= setTimeout(() => void this.flush().catch(() => {}), this.options.intervalMs);
  }

  /** Flush everything added so far; resolves when it is stored. */
  flush(): Promise<void> {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const run = async () => {
      // retry until stored: outcomes are the only record of finished pages
      for (;;) {
        const batch = this.#pending;
        this.#pending = [];
        const delta = this.stats.take();
        if (batch.length === 0 && Object.keys(delta).length === 0) return;
        try {
          await this.pipeline.flush();
          await this.scheduler.complete(batch, delta);
          this.#failures = 0;
          return;
        } catch (error) {
          this.#pending = batch.concat(this.#pending);
          this.stats.restore(delta);
          this.#failures++;
          const wait = Math.min(5000, 100 * 2 ** this.#failures);
          // Redis refusing writes for now (out of memory, disk full) is said once by the worker's back-off gate
          if (error instanceof BackOff)
            this.log.debug('could not store results, retrying', { error: String(error), retryInMs: wait });
          else this.log.warn('could not store results, retrying', { error: String(error), retryInMs: wait });
          await new Promise((r) => setTimeout(r, wait));
        }
      }
    };
    this.#chain = this.#chain.then(run, run);
    return this.#chain;
  }
}
