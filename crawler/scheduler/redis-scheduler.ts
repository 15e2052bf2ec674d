import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { describeError } from '../errors.ts';
import { type CrawlRequest, deserializeRequest, serializeRequest } from '../http/request.ts';
import { type Logger, silentLogger } from '../log.ts';
import type { Settings } from '../settings/defaults.ts';
import { createFilterCodec, type FilterCodec } from './dupefilter.ts';
import { fingerprint, fingerprintHex } from './fingerprint.ts';
import { type CrawlKeys, keysFor } from './keys.ts';
import { type ScriptArg, Scripts } from './scripts.ts';
import { parseStartEntry } from './start-urls.ts';
import { type CrawlCounts, crawlState } from './state.ts';
import type { EnqueueResult, Lease, NextResult, Outcome, Scheduler, StatsDelta } from './types.ts';

export interface RedisSchedulerOptions {
  /** ioredis client, owned by the caller (never disconnected here). */
  redis: Redis;
  spider: string;
  settings: Settings;
  workerId: string;
  host?: string;
  log?: Logger;
  /** Turns a raw start entry into a request; throws a CrawlError to reject it. */
  parseStart?: (raw: string) => CrawlRequest;
}

/** How long `crawl stats` keeps showing a worker that stopped heart-beating. */
const WORKER_INFO_TTL_MS = 3_600_000;
/** Malformed start entries logged at warn level; the rest only counted (start_urls/malformed). */
const MALFORMED_WARNINGS = 5;
const SCAN_BATCH = 1000;

interface RawLease {
  id: string;
  kind: 'q' | 's';
  payload: string;
}

/**
 * The shared scheduler (scrapy-redis's Scheduler + RFPDupeFilter, with leases).
 * Every state change is one Lua script (lua/*.lua): next() is one round trip
 * (two when it admits start URLs), complete() and enqueue() are one.
 */
export class RedisScheduler implements Scheduler {
  readonly keys: CrawlKeys;
  readonly #o: RedisSchedulerOptions;
  readonly #log: Logger;
  readonly #filter: FilterCodec;
  readonly #scripts: Scripts;
  readonly #parseStart: (raw: string) => CrawlRequest;
  readonly #started = Date.now();
  #malformedSeen = 0;
  #saidDuplicate = false;
  #cleanedUp = false;
  /** Whether open() flushed the previous crawl (schedulerFlushOnStart). */
  flushedOnOpen = false;

  constructor(options: RedisSchedulerOptions) {
    this.#o = options;
    this.#log = options.log ?? silentLogger;
    this.keys = keysFor(options.spider, options.settings);
    this.#filter = createFilterCodec(options.settings);
    this.#scripts = new Scripts(options.redis, {
      keys: this.keys,
      settings: options.settings,
      workerId: options.workerId,
      bloomShards: this.#filter.bloom.shards,
    });
    this.#parseStart = options.parseStart ?? ((raw) => parseStartEntry(raw, options.settings));
  }

  async open(): Promise<void> {
    if (this.#o.settings.schedulerFlushOnStart) {
      this.flushedOnOpen = await this.#drop('flush');
      if (this.flushedOnOpen)
        this.#log.info('flushed the previous crawl (schedulerFlushOnStart)', { prefix: this.keys.prefix });
      else
        this.#log.warn('schedulerFlushOnStart: another worker is alive, joining its crawl without flushing');
    }
    const leftover = Number(await this.#scripts.call('heartbeat', this.#infoArgs('2')));
    if (leftover > 0)
      this.#log.warn(
        'put back requests that an earlier worker with this id still held (it stopped without handing them back)',
        { count: leftover, workerId: this.#o.workerId },
      );
  }

  async next(max: number): Promise<NextResult> {
    const first = parseNext(await this.#scripts.call('next', [Math.max(0, Math.floor(max))]));
    if (first.reclaimed > 0)
      this.#log.info('reclaimed leases of a stopped worker', { count: first.reclaimed });
    const leases: Lease[] = [];
    for (const r of first.leases) if (r.kind === 'q') leases.push(toLease(r));
    let counts = first.counts;
    const starts = first.leases.filter((r) => r.kind === 's');
    if (starts.length > 0) {
      const second = parseNext(
        await this.#scripts.call('admit', [max - leases.length, ...this.#admitArgs(starts)]),
      );
      for (const r of second.leases) leases.push(toLease(r));
      counts = second.counts;
    }
    const state = crawlState(leases.length, counts);
    if (state === 'finished' && !this.#o.settings.schedulerPersist && !this.#cleanedUp) {
      this.#cleanedUp = await this.#drop('finished');
      if (this.#cleanedUp)
        this.#log.info('crawl finished: deleted queue and fingerprints (schedulerPersist=false)');
    }
    const result: NextResult = { leases, state };
    if (counts.nextDueMs >= 0) result.nextDueInMs = counts.nextDueMs;
    return result;
  }

  async complete(outcomes: Outcome[], stats: StatsDelta = {}): Promise<void> {
    const args: ScriptArg[] = [outcomes.length];
    for (const o of outcomes) {
      args.push(o.kind, o.leaseId);
      if (o.kind === 'done')
        args.push(o.newRequests.length, ...o.newRequests.flatMap((r) => this.#requestArgs(r)));
      else if (o.kind === 'retry')
        args.push(Math.max(0, Math.round(o.delayMs)), o.request.priority, serializeRequest(o.request));
      else if (o.kind === 'failed') args.push(fingerprintHex(o.request), failedRecord(o.request, o.reason));
      else if (o.kind === 'redirect') args.push(...this.#requestArgs(o.request));
    }
    const entries = Object.entries(stats).filter(([, v]) => Number.isFinite(v) && v !== 0);
    args.push(entries.length, ...entries.flatMap(([k, v]) => [k, String(v)]));
    const [, filtered, stale] = (await this.#scripts.call('complete', args)) as number[];
    if (filtered! > 0) this.#sayDuplicate();
    if (stale! > 0)
      this.#log.warn('some results came for leases this worker no longer holds (reclaimed after a stall?)', {
        stale,
      });
  }

  async enqueue(requests: CrawlRequest[]): Promise<EnqueueResult> {
    const args = [requests.length, ...requests.flatMap((r) => this.#requestArgs(r))];
    const [queued, duplicates] = (await this.#scripts.call('enqueue', args)) as number[];
    if (duplicates! > 0) this.#sayDuplicate();
    return { queued: queued!, duplicates: duplicates! };
  }

  async heartbeat(): Promise<void> {
    await this.#scripts.call('heartbeat', this.#infoArgs('0'));
  }

  async stats(): Promise<Record<string, number | string>> {
    return numericFields(await this.#o.redis.hgetall(this.keys.stats));
  }

  async close(): Promise<void> {
    const handedBack = (await this.#scripts.call('heartbeat', this.#infoArgs('1'))) as unknown as number;
    if (handedBack > 0) this.#log.info('handed unfinished requests back to the queue', { count: handedBack });
  }

  #infoArgs(release: '0' | '1' | '2'): ScriptArg[] {
    return [this.#o.host ?? hostname(), process.pid, this.#started, WORKER_INFO_TTL_MS, release];
  }

  /** The 4 script arguments of one request: filter a, filter b, priority, JSON. */
  #requestArgs(req: CrawlRequest): ScriptArg[] {
    const [a, b] = req.dontFilter ? ['', ''] : this.#filter.args(fingerprint(req));
    return [a, b, req.priority, serializeRequest(req)];
  }

  #admitArgs(starts: RawLease[]): ScriptArg[] {
    const good: ScriptArg[] = [];
    const bad: string[] = [];
    for (const s of starts) {
      try {
        const req = this.#parseStart(s.payload);
        good.push(s.id, ...this.#requestArgs(req));
      } catch (error) {
        bad.push(s.id);
        this.#malformedSeen++;
        const fields = {
          entry: s.payload.slice(0, 200),
          reason: describeError(error),
          key: this.keys.startUrls,
        };
        if (this.#malformedSeen <= MALFORMED_WARNINGS)
          this.#log.warn('dropped a malformed start URL entry', fields);
        else this.#log.debug('dropped a malformed start URL entry', fields);
      }
    }
    return [good.length / 5, ...good, bad.length, ...bad, bad.length];
  }

  #sayDuplicate(): void {
    if (this.#saidDuplicate) return;
    this.#saidDuplicate = true;
    this.#log.info('filtered duplicate requests; further ones are only counted in dupefilter/filtered');
  }

  /** Guarded delete (lua/drop.lua), then the dupefilter buckets in SCAN batches. */
  async #drop(mode: 'flush' | 'finished'): Promise<boolean> {
    if (((await this.#scripts.call('drop', [mode, '1'])) as unknown as number) !== 1) return false;
    if (this.#filter.kind !== 'exact') return true;
    const match = `${this.keys.dupefilter.replace(/[*?[\]\\]/g, '\\$&')}:*`;
    let cursor = '0';
    do {
      const [nextCursor, found] = await this.#o.redis.scan(cursor, 'MATCH', match, 'COUNT', SCAN_BATCH);
      cursor = nextCursor;
      if (
        found.length > 0 &&
        ((await this.#scripts.call('drop', [mode, '0', ...found])) as unknown as number) !== 1
      ) {
        return false;
      }
    } while (cursor !== '0');
    return true;
  }
}

function parseNext(reply: unknown[]): { counts: CrawlCounts; reclaimed: number; leases: RawLease[] } {
  const n = reply as (number | string)[];
  const counts: CrawlCounts = {
    queue: Number(n[0]),
    delayed: Number(n[1]),
    nextDueMs: Number(n[2]),
    leases: Number(n[3]),
    startUrls: Number(n[4]),
    seeded: Number(n[5]) === 1,
  };
  const leases: RawLease[] = [];
  for (let i = 7; i + 2 < n.length; i += 3) {
    leases.push({ id: String(n[i]), kind: n[i + 1] === 's' ? 's' : 'q', payload: String(n[i + 2]) });
  }
  return { counts, reclaimed: Number(n[6]), leases };
}

/** Queue member '<seq>|<json>' -> lease. */
function toLease(r: RawLease): Lease {
  return { leaseId: r.id, request: deserializeRequest(r.payload.slice(r.payload.indexOf('|') + 1)) };
}

function failedRecord(request: CrawlRequest, reason: string): string {
  return JSON.stringify({ request, reason, attempts: request.attempt + 1, at: Date.now() });
}

/** HGETALL fields as numbers where they are numeric. */
export function numericFields(hash: Record<string, string>): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  for (const [k, v] of Object.entries(hash)) out[k] = v !== '' && Number.isFinite(Number(v)) ? Number(v) : v;
  return out;
}
