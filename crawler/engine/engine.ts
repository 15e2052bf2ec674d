import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import type { Downloader } from '../downloader/types.ts';
import { describeError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { Pipeline } from '../pipelines/pipeline.ts';
import type { Lease, Scheduler } from '../scheduler/types.ts';
import type { Settings } from '../settings/defaults.ts';
import { Signals } from '../signals.ts';
import type { Spider } from '../spiders/spider.ts';
import { AckBatcher } from './ack-batcher.ts';
import { BackOffGate } from './backoff.ts';
import { closeReason, needsCrawlTotals } from './close-conditions.ts';
import { LocalStats } from './local-stats.ts';
import { peakRssMb } from './peak-rss.ts';
import { RequestHandler } from './request-handler.ts';

export interface EngineOptions {
  spider: Spider;
  settings: Settings;
  scheduler: Scheduler;
  downloader: Downloader;
  pipeline: Pipeline;
  log: Logger;
  workerId?: string;
  signals?: Signals;
}

export interface RunSummary {
  /** 'finished' (the distributed crawl is done), 'shutdown' (signal), 'idle', or a close condition. */
  reason: string;
  workerId: string;
  elapsedMs: number;
  /** This worker's counters. */
  local: Record<string, number>;
  /** The whole crawl's counters, from the scheduler. */
  crawl: Record<string, number | string>;
  /** CPU time (user + system) this process spent in run(), ms: start-up and module loading excluded. */
  cpuMs: number;
  /** Peak resident set size of this process, MB. */
  maxRssMb: number;
}

const ACK_INTERVAL_MS = 25;
const POLL_MIN_MS = 20;
const POLL_MAX_MS = 500;

/**
 * The worker loop: lease requests from the scheduler, handle them with at most
 * `concurrentRequests` in flight, acknowledge in batches, and stop when the
 * distributed crawl is finished, a close condition holds, or `stop()` is called.
 */
export class Engine {
  readonly signals: Signals;
  readonly stats = new LocalStats();
  readonly workerId: string;
  readonly #o: EngineOptions;
  readonly #abort = new AbortController();
  readonly #inflight = new Set<Promise<void>>();
  #stopReason: string | undefined;
  #wake: (() => void) | undefined;
  #waitingOn: string | undefined;
  #abandon: ((error: Error) => void) | undefined;
  /** Rejects when abandon() is called: raced against every wait of a shutdown. */
  readonly #abandoned = new Promise<never>((_, reject) => {
    this.#abandon = reject;
  });

  constructor(options: EngineOptions) {
    this.#o = options;
    this.#abandoned.catch(() => {}); // observed through the races below; never unhandled
    this.signals = options.signals ?? new Signals();
    this.workerId = options.workerId || `${hostname()}-${process.pid}`;
    // every in-flight download listens on this one signal
    setMaxListeners(0, this.#abort.signal);
  }

  /** Ask the loop to stop: in-flight downloads are aborted and their requests handed back. */
  stop(reason = 'shutdown'): void {
    if (this.#stopReason) return;
    this.#stopReason = reason;
    this.#abort.abort();
    this.#wake?.();
  }

  get stopping(): boolean {
    return this.#stopReason !== undefined;
  }

  /**
   * Stop waiting: the wait in progress (the shared queue, a closing step) and
   * every closing step after it fail at once with `error`, so run() ends even
   * when Redis never answers (the worker's shutdown bound, issue 12).
   */
  abandon(error: Error): void {
    this.stop();
    this.#abandon?.(error);
  }

  /** `p`, unless abandon() comes first. */
  #bounded<T>(p: Promise<T>): Promise<T> {
    return Promise.race([p, this.#abandoned]);
  }

  /** What the engine waits for right now, in words; a shutdown that cannot finish says it gave up on this. */
  get waitingOn(): string | undefined {
    return this.#waitingOn;
  }

  async run(): Promise<RunSummary> {
    const { spider, settings, scheduler, downloader, pipeline, log } = this.#o;
    const started = Date.now();
    const cpuAtStart = process.cpuUsage();
    const handler = new RequestHandler({
      spider,
      settings,
      downloader,
      pipeline,
      stats: this.stats,
      signals: this.signals,
      log,
    });
    const batch = settings.redisBatchSize || settings.concurrentRequests;
    const acks = new AckBatcher(scheduler, pipeline, this.stats, log.child('acks'), {
      maxBatch: Math.max(1, Math.min(batch, 64)),
      intervalMs: ACK_INTERVAL_MS,
    });
    await pipeline.open();
    await scheduler.open();
    this.signals.emit('engine_started', { workerId: this.workerId, spider: spider.name });
    const heartbeat = setInterval(
      () =>
        void scheduler.heartbeat().catch((e) => log.warn('heartbeat failed', { error: describeError(e) })),
      Math.max(200, (settings.leaseTimeout * 1000) / 3),
    );
    const gate = new BackOffGate(log.child('redis'));
    let pollMs = POLL_MIN_MS;
    let idleSince: number | undefined;
    let saidUnseeded = false;
    let finished = false;
    let crawlTotals: Record<string, number | string> = {};
    const totalsTimer = needsCrawlTotals(settings)
      ? setInterval(
          () =>
            void scheduler.stats().then(
              (s) => (crawlTotals = s),
              () => {},
            ),
          1000,
        )
      : undefined;
    // the loop's own failure wins; the closing steps run either way
    let failure: { error: unknown } | undefined;
    try {
      while (!this.#stopReason) {
        const reason = closeReason(settings, this.stats, started, crawlTotals);
        if (reason) {
          this.stop(reason);
          break;
        }
        const free = settings.concurrentRequests - this.#inflight.size;
        const wantMore = free > 0 && (this.#inflight.size === 0 || free >= Math.ceil(batch / 2));
        if (!wantMore) {
          await this.#waitForWork(POLL_MAX_MS);
          continue;
        }
        let next: Awaited<ReturnType<Scheduler['next']>>;
        this.#waitingOn = 'the next requests from the shared queue (Redis)';
        try {
          next = await this.#bounded(scheduler.next(Math.min(free, batch)));
          gate.passed();
        } catch (error) {
          // Redis out of memory: wait and ask again, like through a Redis restart (backoff.ts)
          const wait = gate.waitMs(error);
          if (wait === undefined) throw error;
          await this.#waitForWork(wait);
          continue;
        } finally {
          this.#waitingOn = undefined;
        }
        for (const lease of next.leases) this.#start(handler, lease, acks);
        if (next.leases.length > 0) {
          pollMs = POLL_MIN_MS;
          idleSince = undefined;
          continue;
        }
        if (this.#inflight.size > 0) {
          await this.#waitForWork(pollMs);
          pollMs = Math.min(POLL_MAX_MS, pollMs * 2);
          continue;
        }
        if (acks.pending > 0) {
          await acks.flush();
          continue;
        }
        if (next.state === 'finished') {
          if (!settings.keepRunning) {
            finished = true;
            this.#stopReason = 'finished';
            break;
          }
          idleSince ??= Date.now();
          if (
            settings.maxIdleTimeBeforeClose > 0 &&
            Date.now() - idleSince >= settings.maxIdleTimeBeforeClose * 1000
          ) {
            this.#stopReason = 'idle';
            break;
          }
        } else if (next.state === 'unseeded' && !saidUnseeded) {
          saidUnseeded = true;
          log.info(
            `waiting for start URLs: run \`crawl seed ${spider.name}\` (or push to the start_urls key)`,
          );
        }
        this.signals.emit('spider_idle', { state: next.state });
        const wait =
          next.nextDueInMs !== undefined
            ? Math.min(POLL_MAX_MS * 2, Math.max(POLL_MIN_MS, next.nextDueInMs))
            : pollMs;
        await this.#waitForWork(wait);
        pollMs = Math.min(POLL_MAX_MS, pollMs * 2);
      }
    } catch (error) {
      failure = { error };
    }
    clearInterval(heartbeat);
    clearInterval(totalsTimer);
    this.#abort.abort();
    // every closing step runs even when one before it failed; the first failure is thrown after them
    const closing = async (what: string, step: () => Promise<unknown>) => {
      this.#waitingOn = what;
      await this.#bounded(step()).catch((error: unknown) => {
        failure ??= { error };
      });
    };
    await closing(`${this.#inflight.size} request(s) in flight to end`, () =>
      Promise.allSettled([...this.#inflight]),
    );
    await closing(`Redis to take ${acks.pending} finished or unfinished request(s) back`, () => acks.flush());
    await closing('the item pipeline to close (its sinks)', () => pipeline.close());
    await closing("Redis to take this worker's leases back", () =>
      scheduler.close().catch((e) => log.warn('scheduler close failed', { error: describeError(e) })),
    );
    await closing('the downloader to close', () => downloader.close());
    this.#waitingOn = undefined;
    if (failure) throw failure.error;
    const reason = finished ? 'finished' : (this.#stopReason ?? 'shutdown');
    this.signals.emit('engine_stopped', { reason });
    this.#waitingOn = "the crawl's totals (Redis)";
    const crawl = await scheduler.stats().catch(() => ({}));
    this.#waitingOn = undefined;
    const cpu = process.cpuUsage(cpuAtStart);
    return {
      reason,
      workerId: this.workerId,
      elapsedMs: Date.now() - started,
      local: { ...this.stats.totals },
      crawl,
      cpuMs: Math.round((cpu.user + cpu.system) / 1000),
      maxRssMb: peakRssMb(),
    };
  }

  #start(handler: RequestHandler, lease: Lease, acks: AckBatcher): void {
    const task = handler
      .handle(lease, this.#abort.signal)
      .then((outcome) => acks.add(outcome))
      .catch((error) => {
        // a bug in the handler: hand the request back rather than lose it
        this.#o.log.error('internal error while handling a request', {
          url: lease.request.url,
          error: describeError(error),
        });
        acks.add({ kind: 'release', leaseId: lease.leaseId });
      })
      .finally(() => {
        this.#inflight.delete(task);
        this.#wake?.();
      });
    this.#inflight.add(task);
  }

  /** Sleep until a task finishes, stop() is called, or `ms` pass. */
  #waitForWork(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = () => {
        this.#wake = undefined;
        done();
      };
    });
  }
}
