import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import { urlSecrets } from '../common/redact.ts';
import { createDownloader } from './downloader/downloader.ts';
import { Engine, type RunSummary } from './engine/engine.ts';
import { ConfigError, CrawlError } from './errors.ts';
import { toCrawlRequest } from './http/request.ts';
import { createLogger, type Logger, redact } from './log.ts';
import { feedSink } from './pipelines/feed-sink.ts';
import type { MongoSinkOptions } from './pipelines/mongo-sink.ts';
import { Pipeline } from './pipelines/pipeline.ts';
import { redisListSink } from './pipelines/redis-list-sink.ts';
import type { PipelineStep } from './pipelines/types.ts';
import { unreachable } from './redis-admin.ts';
import { waitUntilLoaded } from './redis-loading.ts';
import { redisTlsOptions } from './redis-tls.ts';
import { keysFor } from './scheduler/keys.ts';
import { MemoryScheduler } from './scheduler/memory-scheduler.ts';
import { RedisScheduler } from './scheduler/redis-scheduler.ts';
import type { Scheduler } from './scheduler/types.ts';
import type { Settings } from './settings/defaults.ts';
import type { Spider } from './spiders/spider.ts';
import { STAT } from './stats.ts';

export interface WorkerOptions {
  spider: Spider;
  settings: Settings;
  log?: Logger;
  /** Extra pipeline steps after the spider's own and before the built-in sinks (the MongoDB sink, tests). */
  extraSteps?: readonly PipelineStep[];
}

/** A Redis client for workers: waits through outages instead of failing commands (pain point: outages). */
export function connectRedis(url: string, log?: Logger, ca = ''): Redis {
  const client: Redis = new Redis(url, {
    ...redisTlsOptions(url, ca),
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: (times) => Math.min(5000, 100 * 2 ** Math.min(times, 6)),
    lazyConnect: false,
  });
  countRoundTrips(client);
  let said = false;
  client.on('error', (error: Error) => {
    if (!said)
      log?.warn(
        `${unreachable(url, error).explain()}\n  (this worker keeps retrying and goes on when Redis answers)`,
      );
    said = true;
  });
  client.on('ready', () => {
    if (said) log?.info('Redis connection is back');
    said = false;
  });
  return client;
}

/** Commands written to Redis by each client; a pipeline or MULTI block counts once (one round trip). */
const roundTrips = new WeakMap<Redis, { count: number }>();

function countRoundTrips(client: Redis): void {
  const counter = { count: 0 };
  roundTrips.set(client, counter);
  const send = client.sendCommand.bind(client);
  client.sendCommand = ((command, stream) => {
    // commands queued inside a pipeline are written together; count the pipeline once, in exec
    if (!stream) counter.count++;
    return send(command, stream);
  }) as Redis['sendCommand'];
  const pipeline = client.pipeline.bind(client);
  client.pipeline = ((commands) => {
    const p = pipeline(commands);
    const exec = p.exec.bind(p);
    p.exec = ((cb) => {
      counter.count++;
      return exec(cb);
    }) as typeof p.exec;
    return p;
  }) as Redis['pipeline'];
}

export function redisRoundTrips(client: Redis): number {
  return roundTrips.get(client)?.count ?? 0;
}

export function workerIdFrom(settings: Settings): string {
  return settings.workerId || `${hostname()}-${process.pid}`;
}

/**
 * Build one worker (scheduler, downloader, pipeline, engine) from settings and run
 * it until the distributed crawl is finished or `stop()` is called.
 */
export function createWorker(options: WorkerOptions): {
  engine: Engine;
  run(): Promise<RunSummary>;
  stop(reason?: string): void;
} {
  const { spider, settings } = options;
  const log =
    options.log ??
    createLogger({
      level: settings.logLevel,
      format: settings.logFormat,
      secrets: urlSecrets(settings.redisUrl),
    });
  const workerId = workerIdFrom(settings);
  let redis: Redis | undefined;
  let scheduler: Scheduler;
  if (settings.redisUrl === 'memory') {
    scheduler = new MemoryScheduler({ settings, log: log.child('scheduler') });
  } else {
    redis = connectRedis(settings.redisUrl, log.child('redis'), settings.redisCa);
    scheduler = new RedisScheduler({
      redis,
      spider: spider.name,
      settings,
      workerId,
      host: hostname(),
      log: log.child('scheduler'),
    });
  }
  const steps: PipelineStep[] = [...(spider.pipelines ?? []), ...(options.extraSteps ?? [])];
  if (settings.feedUri) {
    steps.push(
      feedSink(settings.feedUri, { overwrite: settings.feedOverwrite, itemKey: settings.feedItemKey }),
    );
  }
  if (settings.redisItemsEnabled) {
    if (!redis) {
      throw new ConfigError(
        'CRAWL_E_SETTING_INVALID',
        'redisItemsEnabled needs a Redis server, but redisUrl is "memory"',
        {
          setting: 'redisItemsEnabled',
          hint: 'set redisUrl to a redis:// URL, or use --output items.jsonl',
        },
      );
    }
    const keys = keysFor(spider.name, settings);
    steps.push(redisListSink(redis, keys.items, keys.itemKeys, { itemKey: settings.feedItemKey }));
  }
  if (settings.mongoUri) {
    steps.push(
      lazyMongoSink({
        uri: settings.mongoUri,
        database: settings.mongoDatabase,
        collection: settings.mongoCollection.replaceAll('{spider}', spider.name),
        batchSize: settings.mongoBatchSize,
        bufferMax: settings.mongoBufferMax,
        log: log.child('mongodb'),
      }),
    );
  }
  let engine: Engine | undefined;
  const downloader = createDownloader({
    settings,
    allowedDomains: spider.allowedDomains ?? [],
    redirects: 'schedule',
    log: log.child('downloader'),
    onStat: (name, delta = 1) => engine?.stats.inc(name, delta),
  });
  engine = new Engine({
    spider,
    settings,
    scheduler,
    downloader,
    pipeline: new Pipeline(steps),
    log,
    workerId,
  });
  const theEngine = engine;
  // the shutdown bound (issue 12): a stop that Redis cannot complete ends after shutdownTimeout
  let deadline: NodeJS.Timeout | undefined;
  let gaveUp: CrawlError | undefined;
  let ended = false;
  const giveUp = (client: Redis) => {
    const on = theEngine.waitingOn ?? 'Redis';
    log.warn(`shutdown: gave up after ${settings.shutdownTimeout} s waiting for ${on}`);
    gaveUp = shutdownGaveUp(on, settings);
    theEngine.abandon(gaveUp); // the wait in progress and every closing step after it end now
    client.disconnect(); // no reconnecting; commands still queued are never sent
  };
  return {
    engine: theEngine,
    async run() {
      try {
        if (scheduler instanceof MemoryScheduler) {
          // one process, no Redis: the spider's own start URLs are the seed
          await scheduler.enqueue(
            (spider.startUrls ?? []).map((u) => toCrawlRequest(typeof u === 'string' ? { url: u } : u)),
          );
        }
        // first contact: a Redis reading its dataset after a start is waited for, bounded and said
        if (redis)
          await waitUntilLoaded(settings.redisUrl, {
            ca: settings.redisCa,
            timeoutS: settings.redisLoadingTimeout,
            log: (line) => log.warn(line),
          });
        const summary = await theEngine.run().catch((error: unknown) => {
          throw gaveUp ?? error;
        });
        if (gaveUp) throw gaveUp;
        if (redis) summary.local[STAT.redisRoundTrips] = redisRoundTrips(redis);
        return summary;
      } finally {
        ended = true;
        clearTimeout(deadline);
        redis?.disconnect();
      }
    },
    stop(reason) {
      theEngine.stop(reason);
      const client = redis;
      if (client && !ended && deadline === undefined)
        deadline = setTimeout(() => giveUp(client), settings.shutdownTimeout * 1000);
    },
  };
}

/** A stop that did not complete in time: what it waited for, where its requests are, what to change. */
function shutdownGaveUp(on: string, settings: Settings): CrawlError {
  return new CrawlError(
    'CRAWL_E_SHUTDOWN_TIMEOUT',
    `shutdown gave up after ${settings.shutdownTimeout} s waiting for ${on}: Redis at ${redact(settings.redisUrl)} did not answer`,
    {
      hint: `this worker's unfinished requests go back to the queue by themselves after leaseTimeout (${settings.leaseTimeout} s) once Redis is back; to wait longer for Redis, raise shutdownTimeout (--set shutdownTimeout=SECONDS)`,
    },
  );
}

/**
 * The MongoDB sink, loaded when the pipeline opens: the driver is the largest
 * part of the bundle, and every worker that stores no items in MongoDB would
 * otherwise pay its start-up time and memory (issue 14: about 4 MB RSS).
 */
function lazyMongoSink(options: MongoSinkOptions): PipelineStep {
  let sink: PipelineStep | undefined;
  return {
    name: 'mongodb',
    async open() {
      sink = (await import('./pipelines/mongo-sink.ts')).mongoSink(options);
      await sink.open?.();
    },
    processItem(item, ctx) {
      if (!sink) throw new Error('the mongodb sink got an item before the pipeline opened');
      return sink.processItem(item, ctx);
    },
    flush: async () => sink?.flush?.(),
    close: async () => sink?.close?.(),
  };
}
