import type { CrawlRequest } from '../http/request.ts';
import { type Logger, silentLogger } from '../log.ts';
import type { Settings } from '../settings/defaults.ts';
import { STAT } from '../stats.ts';
import { fingerprintHex } from './fingerprint.ts';
import { crawlState } from './state.ts';
import type { EnqueueResult, NextResult, Outcome, Scheduler, StatsDelta } from './types.ts';

export interface MemorySchedulerOptions {
  settings: Settings;
  log?: Logger;
}

interface Entry {
  score: number;
  request: CrawlRequest;
}

/**
 * The in-process scheduler: same contract and queue order as RedisScheduler, for
 * one worker (`--redis memory`) and the engine's unit tests. Always an exact
 * fingerprint set (hex strings; memory is not the concern of a one-process run),
 * no start_urls key (the worker enqueues the spider's start URLs), no leases to
 * reclaim (nobody else could take them).
 */
export class MemoryScheduler implements Scheduler {
  readonly #settings: Settings;
  readonly #log: Logger;
  readonly #queue = new MinHeap<Entry>((a, b) => a.score - b.score);
  readonly #delayed = new MinHeap<{ due: number; entry: Entry }>((a, b) => a.due - b.due);
  readonly #leases = new Map<string, Entry>();
  readonly #seen = new Set<string>();
  readonly #stats = new Map<string, number>();
  readonly #failed = new Map<
    string,
    { request: CrawlRequest; reason: string; attempts: number; at: number }
  >();
  #seq = 0;
  #seeded = false;
  #saidDuplicate = false;

  constructor(options: MemorySchedulerOptions) {
    this.#settings = options.settings;
    this.#log = options.log ?? silentLogger;
  }

  async open(): Promise<void> {}

  async next(max: number): Promise<NextResult> {
    const now = Date.now();
    while (this.#delayed.size > 0 && this.#delayed.peek()!.due <= now)
      this.#queue.push(this.#delayed.pop()!.entry);
    const leases = [];
    while (leases.length < max && this.#queue.size > 0) {
      const entry = this.#queue.pop()!;
      const leaseId = String(++this.#seq);
      this.#leases.set(leaseId, entry);
      leases.push({ leaseId, request: structuredClone(entry.request) });
    }
    this.#inc(STAT.dequeued, leases.length);
    const nextDue = this.#delayed.peek()?.due;
    const state = crawlState(leases.length, {
      queue: this.#queue.size,
      delayed: this.#delayed.size,
      nextDueMs: nextDue === undefined ? -1 : Math.max(0, nextDue - now),
      leases: this.#leases.size,
      startUrls: 0,
      seeded: this.#seeded,
    });
    const result: NextResult = { leases, state };
    if (nextDue !== undefined) result.nextDueInMs = Math.max(0, nextDue - now);
    return result;
  }

  async complete(outcomes: Outcome[], stats: StatsDelta = {}): Promise<void> {
    for (const o of outcomes) {
      const entry = this.#leases.get(o.leaseId);
      // like the Redis scheduler: a result for a lease not held (repeated complete) is skipped
      if (!entry) {
        this.#inc(STAT.staleLeases, 1);
        continue;
      }
      this.#leases.delete(o.leaseId);
      if (o.kind === 'done') this.#add(o.newRequests);
      else if (o.kind === 'redirect') {
        if (this.#add([o.request]).duplicates > 0) this.#inc(STAT.redirectsFiltered, 1);
      } else if (o.kind === 'retry') {
        this.#delayed.push({ due: Date.now() + Math.max(0, o.delayMs), entry: this.#entry(o.request) });
      } else if (o.kind === 'failed') {
        const { request, reason } = o;
        this.#failed.set(fingerprintHex(request), {
          request,
          reason,
          attempts: request.attempt + 1,
          at: Date.now(),
        });
      } else this.#queue.push(this.#headEntry(entry));
    }
    for (const [name, delta] of Object.entries(stats)) if (Number.isFinite(delta)) this.#inc(name, delta);
  }

  async enqueue(requests: CrawlRequest[]): Promise<EnqueueResult> {
    if (requests.length > 0) this.#seeded = true;
    return this.#add(requests);
  }

  async heartbeat(): Promise<void> {}

  async stats(): Promise<Record<string, number | string>> {
    return Object.fromEntries(this.#stats);
  }

  /** Requests that finally failed, by fingerprint (the Redis scheduler's <prefix>:failed). */
  failures(): ReadonlyMap<string, { request: CrawlRequest; reason: string; attempts: number; at: number }> {
    return this.#failed;
  }

  async close(): Promise<void> {
    for (const entry of this.#leases.values()) this.#queue.push(this.#headEntry(entry));
    this.#leases.clear();
  }

  #add(requests: CrawlRequest[]): EnqueueResult {
    let queued = 0;
    let duplicates = 0;
    for (const req of requests) {
      if (!req.dontFilter) {
        const fp = fingerprintHex(req);
        if (this.#seen.has(fp)) {
          duplicates++;
          continue;
        }
        this.#seen.add(fp);
      }
      this.#queue.push(this.#entry(req));
      queued++;
    }
    this.#inc(STAT.enqueued, queued);
    this.#inc(STAT.duplicatesFiltered, duplicates);
    if (duplicates > 0 && !this.#saidDuplicate) {
      this.#saidDuplicate = true;
      this.#log.info('filtered duplicate requests; further ones are only counted in dupefilter/filtered');
    }
    return { queued, duplicates };
  }

  /** Same order as the Redis queue: priority = -priority*1e10 + seq; fifo = seq; lifo = -seq. */
  #entry(request: CrawlRequest): Entry {
    const seq = ++this.#seq;
    const cls = this.#settings.schedulerQueueClass;
    const score = cls === 'priority' ? -request.priority * 1e10 + seq : cls === 'fifo' ? seq : -seq;
    return { score, request: structuredClone(request) };
  }

  /** A released lease is popped next (fifo/lifo) or keeps its place (priority). */
  #headEntry(entry: Entry): Entry {
    if (this.#settings.schedulerQueueClass === 'priority') return entry;
    return { ...entry, score: Math.min(entry.score, (this.#queue.peek()?.score ?? 0) - 1) };
  }

  #inc(name: string, delta: number): void {
    if (delta !== 0) this.#stats.set(name, (this.#stats.get(name) ?? 0) + delta);
  }
}

/** Binary min-heap. */
class MinHeap<T> {
  readonly #items: T[] = [];
  constructor(readonly compare: (a: T, b: T) => number) {}

  get size(): number {
    return this.#items.length;
  }

  peek(): T | undefined {
    return this.#items[0];
  }

  push(item: T): void {
    const a = this.#items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.compare(a[i]!, a[parent]!) >= 0) break;
      [a[i], a[parent]] = [a[parent]!, a[i]!];
      i = parent;
    }
  }

  pop(): T | undefined {
    const a = this.#items;
    const top = a[0];
    const last = a.pop();
    if (a.length === 0 || last === undefined) return top;
    a[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < a.length && this.compare(a[l]!, a[m]!) < 0) m = l;
      if (r < a.length && this.compare(a[r]!, a[m]!) < 0) m = r;
      if (m === i) return top;
      [a[i], a[m]] = [a[m]!, a[i]!];
      i = m;
    }
  }
}
