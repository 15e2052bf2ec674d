/**
 * Per-host politeness (Scrapy's downloader slots): at most `concurrency`
 * requests in flight per host, and a delay between request starts to the same
 * host, randomised 0.5x-1.5x when asked. Waiters are served first come, first
 * served. The delay is read when a start is scheduled, so AutoThrottle changes
 * apply to the next request.
 */

export interface SlotOptions {
  concurrency: number;
  /** Seconds between request starts to one host. */
  delaySeconds: number;
  randomize: boolean;
  random?: () => number;
}

interface Waiter {
  resolve: () => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

export class Slot {
  #delaySeconds: number;
  #active = 0;
  #lastStartMs = Number.NEGATIVE_INFINITY;
  /** Random factor for the gap after the last start, drawn once per start. */
  #factor = 1;
  #timer: NodeJS.Timeout | undefined;
  readonly #queue: Waiter[] = [];
  readonly #opts: SlotOptions;

  constructor(opts: SlotOptions) {
    this.#opts = opts;
    this.#delaySeconds = opts.delaySeconds;
  }

  /** Seconds between starts; AutoThrottle rewrites it. */
  get delaySeconds(): number {
    return this.#delaySeconds;
  }

  /** A new delay also re-times a start already waiting for the old one. */
  set delaySeconds(seconds: number) {
    this.#delaySeconds = seconds;
    this.dispose();
    this.#pump();
  }

  get active(): number {
    return this.#active;
  }

  get idle(): boolean {
    return this.#active === 0 && this.#queue.length === 0;
  }

  /** Wait for a turn. Call `release()` exactly once after a resolved acquire. */
  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          const i = this.#queue.indexOf(waiter);
          if (i >= 0) this.#queue.splice(i, 1);
          reject(signal?.reason);
          this.#pump();
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.#queue.push(waiter);
      this.#pump();
    });
  }

  release(): void {
    this.#active--;
    this.#pump();
  }

  /** Cancel a pending timer (downloader close). */
  dispose(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #pump(): void {
    while (this.#queue.length > 0 && this.#active < this.#opts.concurrency) {
      const waitMs = this.#lastStartMs + this.#delaySeconds * 1000 * this.#factor - Date.now();
      if (waitMs > 0) {
        if (this.#timer === undefined) {
          this.#timer = setTimeout(() => {
            this.#timer = undefined;
            this.#pump();
          }, waitMs);
        }
        return;
      }
      const waiter = this.#queue.shift()!;
      waiter.signal?.removeEventListener('abort', waiter.onAbort);
      this.#active++;
      this.#lastStartMs = Date.now();
      this.#factor = this.#opts.randomize ? 0.5 + (this.#opts.random ?? Math.random)() : 1;
      waiter.resolve();
    }
  }
}

/** One slot per host name, created on first use. */
export class Slots {
  readonly #slots = new Map<string, Slot>();
  readonly #make: () => Slot;

  constructor(make: () => Slot) {
    this.#make = make;
  }

  get(host: string): Slot {
    let slot = this.#slots.get(host);
    if (slot === undefined) {
      slot = this.#make();
      this.#slots.set(host, slot);
    }
    return slot;
  }

  dispose(): void {
    for (const slot of this.#slots.values()) slot.dispose();
  }
}
