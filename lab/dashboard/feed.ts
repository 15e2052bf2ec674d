import type { Settings } from 'crawl-lab';
import { describeError } from 'crawl-lab';
import { inspectCrawl, redisTlsOptions, unreachable } from 'crawl-lab/admin';
import { Redis } from 'ioredis';
import { redact } from '../../common/redact.ts';
import { DASHBOARD_DEFAULTS } from './defaults.ts';
import {
  EMPTY_TOTALS,
  History,
  nodeViews,
  RateWindow,
  round1,
  statusOf,
  totalsOf,
  workerPages,
  workerViews,
} from './snapshot.ts';
import type { DashboardNode, ServiceStatus, Snapshot } from './types.ts';

export interface FeedOptions {
  redisUrl: string;
  spider: string;
  settings: Settings;
  nodes: readonly DashboardNode[];
  logs?: () => Promise<string[]>;
  pollMs?: number;
}

/**
 * Polls the crawl's Redis stats, the nodes' services and the logs about once
 * per `pollMs` (never two polls at once: a slow node delays the next poll
 * instead of piling them up), and hands each snapshot to every subscriber.
 * Redis being away is a state to show, not a crash: the client reconnects.
 */
export class DashboardFeed {
  readonly #o: FeedOptions;
  readonly #redis: Redis;
  readonly #secrets: string[];
  readonly #where: string;
  readonly #rates = new RateWindow(DASHBOARD_DEFAULTS.rateWindow);
  readonly #total = new RateWindow(DASHBOARD_DEFAULTS.rateWindow);
  readonly #history = new History(DASHBOARD_DEFAULTS.historyPoints);
  readonly #subscribers = new Set<(s: Snapshot) => void>();
  #lastError: unknown;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  latest: Snapshot;

  constructor(options: FeedOptions) {
    this.#o = options;
    this.#secrets = secretsOf(options.redisUrl);
    this.#where = whereOf(options.redisUrl);
    this.#redis = new Redis(options.redisUrl, {
      // rediss:// (lab.yaml redis.tls): verified with the lab CA
      ...redisTlsOptions(options.redisUrl, options.settings.redisCa),
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      connectTimeout: 3000,
      retryStrategy: (attempt) => Math.min(250 * attempt, 2000),
    });
    this.#redis.on('error', (error: unknown) => {
      this.#lastError = error; // shown on the page; ioredis keeps reconnecting
    });
    this.latest = this.#empty('waiting', null);
  }

  subscribe(fn: (s: Snapshot) => void): () => void {
    this.#subscribers.add(fn);
    return () => this.#subscribers.delete(fn);
  }

  /** First poll now, then one per pollMs until stop(). */
  async start(): Promise<void> {
    // a failure lands in #lastError and the snapshot; ioredis goes on reconnecting
    await this.#redis.connect().catch(() => {});
    await this.poll();
    this.#schedule();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#subscribers.clear();
    this.#redis.disconnect();
  }

  /** One poll: Redis, nodes and logs side by side; publishes and returns the snapshot. */
  async poll(): Promise<Snapshot> {
    const [info, services, logs] = await Promise.all([
      this.#inspect(),
      Promise.all(this.#o.nodes.map((n) => n.services().catch((): ServiceStatus[] | null => null))),
      this.#logs(),
    ]);
    const at = Date.now();
    let snap: Snapshot;
    if (info instanceof Error || info === null) {
      snap = { ...this.latest, at, status: 'unreachable', error: this.#explain(info) };
      snap.nodes = nodeViews(this.#o.nodes, services, snap.workers);
    } else {
      const totals = totalsOf(info);
      this.#rates.push(at, workerPages(info, this.#o.nodes));
      this.#total.push(at, { all: totals.pages });
      this.#history.push({
        t: at,
        queue: totals.queue,
        fingerprints: totals.fingerprints,
        pages: totals.pages,
      });
      const workers = workerViews(info, this.#o.nodes, this.#rates);
      const status = statusOf(info);
      snap = {
        at,
        spider: this.#o.spider,
        redis: this.#where,
        status,
        error: null,
        totals,
        // a finished crawl fetches nothing; the window would show its last seconds for a while
        rate: status === 'finished' ? 0 : round1(this.#total.rate('all')),
        workers,
        nodes: nodeViews(this.#o.nodes, services, workers),
        history: this.#history.points(),
        logs: [],
      };
    }
    snap.logs = logs;
    this.latest = snap;
    for (const fn of this.#subscribers) fn(snap);
    return snap;
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      void this.poll()
        .catch(() => {}) // poll() shows its own errors; the loop must go on
        .finally(() => this.#schedule());
    }, this.#o.pollMs ?? DASHBOARD_DEFAULTS.pollMs);
  }

  /** null = not connected (yet); an Error = a command failed. */
  async #inspect() {
    if (this.#redis.status !== 'ready') return null;
    try {
      return await inspectCrawl(this.#redis, this.#o.spider, this.#o.settings);
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  }

  async #logs(): Promise<string[]> {
    if (!this.#o.logs) return [];
    try {
      const lines = await this.#o.logs();
      return lines
        .slice(-DASHBOARD_DEFAULTS.logLines)
        .map((l) => redact(l, this.#secrets).slice(0, DASHBOARD_DEFAULTS.logLineMax));
    } catch (error) {
      return [redact(`(could not read the logs: ${describeError(error)})`, this.#secrets)];
    }
  }

  #explain(error: Error | null): string {
    const cause = error ?? this.#lastError ?? new Error(`connection ${this.#redis.status}`);
    return redact(unreachable(this.#o.redisUrl, cause).explain(), this.#secrets);
  }

  #empty(status: Snapshot['status'], error: string | null): Snapshot {
    return {
      at: Date.now(),
      spider: this.#o.spider,
      redis: this.#where,
      status,
      error,
      totals: { ...EMPTY_TOTALS },
      rate: 0,
      workers: [],
      nodes: [],
      history: [],
      logs: [],
    };
  }
}

/** The password (and user name) of a redis:// URL: never to reach a page, even inside a log line. */
export function secretsOf(url: string): string[] {
  try {
    const u = new URL(url);
    return [decodeURIComponent(u.password), u.password].filter((s) => s.length > 0);
  } catch {
    return [];
  }
}

/** host:port for display; a unix socket shows its path; anything else redacted. */
export function whereOf(url: string): string {
  try {
    const u = new URL(url);
    if (u.protocol === 'unix:') return u.pathname;
    return `${u.hostname}:${u.port || '6379'}`;
  } catch {
    return redact(url);
  }
}
