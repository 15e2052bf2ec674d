import { type AnyBulkWriteOperation, type Collection, MongoBulkWriteError, MongoClient } from 'mongodb';
import type { Logger } from '../log.ts';
import type { Item } from '../spiders/spider.ts';
import {
  badMongoUri,
  DUPLICATE_KEY,
  holdingItems,
  mongoAuthFailed,
  mongoFailureKind,
  mongoIndexFailed,
  mongoUnreachableAtFlush,
  mongoUnreachableAtOpen,
  mongoWriteRejected,
  safe,
} from './mongo-errors.ts';
import { type PendingWrite, roundsOf, toPendingWrite } from './mongo-update.ts';
import type { ItemContext, PipelineStep } from './types.ts';

/**
 * Stores items in a MongoDB collection, one document per item key (`_id` = key,
 * also kept in `_key` under a unique index, like the other sinks' `_key`).
 * Items are partial documents whose field names are paths (see mongo-update.ts).
 *
 * Durability: `processItem` only buffers; `flush` (awaited by the engine before
 * it acknowledges the pages) writes the buffer with bulk upserts. If MongoDB is
 * unreachable, flush throws and keeps every item for the next try; when the
 * buffer reaches `bufferMax`, `processItem` waits, retrying the write itself with
 * backoff, until the items are stored. Nothing is ever dropped.
 */
export interface MongoSinkOptions {
  uri: string;
  database: string;
  collection: string;
  /** Writes per bulk write (settings.mongoBatchSize). */
  batchSize: number;
  /** Items held before processItem waits for a successful write (settings.mongoBufferMax). */
  bufferMax: number;
  log: Logger;
  /** How long open() keeps trying an unreachable server before failing (tests shorten it). */
  openWaitMs?: number;
  /** How long one operation waits to find the server (the driver's serverSelectionTimeoutMS). */
  serverSelectionTimeoutMs?: number;
}

/** Timings not (yet) exposed as settings; a worker should survive MongoDB starting a little later. */
export const MONGO_TIMINGS = {
  openWaitMs: 30_000,
  serverSelectionTimeoutMs: 5_000,
  backoffMinMs: 100,
  backoffMaxMs: 5_000,
  /** Rounds of re-trying upserts that lost a race for the same new key (duplicate key). */
  duplicateRetries: 3,
} as const;

/** A stored item: `_id` is the item key (a string, not an ObjectId). */
interface ItemDocument {
  _id: string;
  _key: string;
  [path: string]: unknown;
}

export interface MongoSink extends PipelineStep {
  /** Items buffered and not yet stored. */
  readonly buffered: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const backoff = (failures: number) =>
  Math.min(MONGO_TIMINGS.backoffMaxMs, MONGO_TIMINGS.backoffMinMs * 2 ** Math.min(failures, 10));

export function mongoSink(options: MongoSinkOptions): MongoSink {
  const { uri, database, collection, log } = options;
  const namespace = `${database}.${collection}`;
  const openWaitMs = options.openWaitMs ?? MONGO_TIMINGS.openWaitMs;
  const selectionMs = options.serverSelectionTimeoutMs ?? MONGO_TIMINGS.serverSelectionTimeoutMs;
  let client: MongoClient | undefined;
  let coll: Collection<ItemDocument> | undefined;
  let buffer: PendingWrite[] = [];
  /** Items being written right now; still held (not stored) until the write succeeds. */
  let writing = 0;
  const held = () => buffer.length + writing;
  let chain: Promise<void> = Promise.resolve();
  let failures = 0;

  const newClient = (): MongoClient => {
    try {
      // socketTimeoutMS: a write that gets no answer fails (and is retried) instead of waiting forever
      return new MongoClient(uri, {
        serverSelectionTimeoutMS: selectionMs,
        socketTimeoutMS: 30_000,
        appName: 'crawl-lab',
      });
    } catch (error) {
      throw badMongoUri(uri, error);
    }
  };

  async function open(): Promise<void> {
    newClient()
      .close()
      .catch(() => {}); // a bad URI fails here, before any waiting
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      const candidate = newClient();
      try {
        await candidate.connect();
        const c = candidate.db(database).collection<ItemDocument>(collection);
        try {
          await c.createIndex({ _key: 1 }, { unique: true, name: '_key_unique' });
        } catch (error) {
          if (mongoFailureKind(error) === 'other') throw mongoIndexFailed(uri, namespace, error);
          throw error;
        }
        client = candidate;
        coll = c;
        log.info(`storing items in MongoDB ${namespace} at ${safe(uri, uri)}`);
        return;
      } catch (error) {
        await candidate.close().catch(() => {});
        const kind = mongoFailureKind(error);
        if (kind === 'auth') throw mongoAuthFailed(uri, error);
        if (kind !== 'unreachable') throw error;
        const waited = Date.now() - started;
        if (waited >= openWaitMs) throw mongoUnreachableAtOpen(uri, waited, error);
        if (attempt === 0)
          log.warn(
            `MongoDB at ${safe(uri, uri)} is not answering yet; waiting up to ${Math.round(openWaitMs / 1000)} s`,
          );
        await sleep(Math.min(backoff(attempt), Math.max(0, openWaitMs - waited)));
      }
    }
  }

  /** One bulk write of upserts; re-runs only the writes that lost a duplicate-key race. */
  async function bulkUpsert(target: Collection<ItemDocument>, writes: PendingWrite[]): Promise<void> {
    let todo = writes;
    for (let attempt = 0; todo.length > 0; attempt++) {
      // updateMany on the unique _id touches the same one document as updateOne; FerretDB v1 keeps an
      // updateOne's cursor (a pooled SQLite connection) open until the whole command ends, so a bulk of
      // 100+ updateOne on existing documents waits forever there (docs/mongodb.md)
      const ops: AnyBulkWriteOperation<ItemDocument>[] = todo.map((w) => ({
        updateMany: { filter: { _id: w.key }, update: { $set: w.set }, upsert: true },
      }));
      try {
        await target.bulkWrite(ops, { ordered: false });
        return;
      } catch (error) {
        if (!(error instanceof MongoBulkWriteError)) throw error;
        const errors = (Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors]).filter(
          (e) => e !== undefined,
        );
        // no write errors: the whole write failed (a lost connection, a write concern error); never
        // count that as stored. mongoFailureKind looks inside for the network error.
        if (errors.length === 0) throw error;
        const other = errors.find((e) => e.code !== DUPLICATE_KEY);
        if (other || attempt >= MONGO_TIMINGS.duplicateRetries) {
          const bad = other ?? errors[0];
          const key = bad ? (todo[bad.index]?.key ?? '?') : '?';
          throw mongoWriteRejected(uri, key, error, bad?.errmsg ?? error.message);
        }
        // two upserts inserted the same new _id at once; the loser now finds the document and updates it
        todo = errors.map((e) => todo[e.index]).filter((w): w is PendingWrite => w !== undefined);
      }
    }
  }

  async function writeBuffer(): Promise<void> {
    if (!coll) throw new Error('mongoSink: flush() before open()');
    if (buffer.length === 0) return;
    const batch = buffer;
    buffer = [];
    writing = batch.length;
    try {
      for (const round of roundsOf(batch)) {
        for (let i = 0; i < round.length; i += options.batchSize)
          await bulkUpsert(coll, round.slice(i, i + options.batchSize));
      }
    } catch (error) {
      // upserts are idempotent, so the whole batch is simply written again next time
      buffer = batch.concat(buffer);
      writing = 0;
      if (mongoFailureKind(error) === 'auth') throw mongoAuthFailed(uri, error);
      if (mongoFailureKind(error) !== 'unreachable') throw error;
      failures++;
      if (failures === 1 || failures % 10 === 0)
        log.warn(holdingItems(uri, buffer.length), { attempt: failures, error: safe(String(error), uri) });
      throw mongoUnreachableAtFlush(uri, buffer.length, error);
    }
    writing = 0;
    if (failures > 0) log.info(`MongoDB at ${safe(uri, uri)} answers again; held items stored`);
    failures = 0;
  }

  /** Flushes never overlap: the engine and a full buffer may both ask for one. */
  function flush(): Promise<void> {
    const next = chain.then(writeBuffer, writeBuffer);
    chain = next.catch(() => {});
    return next;
  }

  /** Backpressure: with the buffer full, keep writing (with backoff) until there is room. */
  async function drain(): Promise<void> {
    for (let attempt = 0; held() >= options.bufferMax; attempt++) {
      try {
        await flush();
      } catch (error) {
        if (mongoFailureKind((error as { cause?: unknown }).cause) !== 'unreachable') throw error;
        await sleep(backoff(attempt));
      }
    }
  }

  return {
    name: 'mongodb',
    get buffered() {
      return held();
    },
    open,
    async processItem(item: Item, ctx: ItemContext) {
      buffer.push(toPendingWrite(ctx.key, item));
      if (held() >= options.bufferMax) await drain();
      return item;
    },
    flush,
    async close() {
      await flush();
      await client?.close();
      client = undefined;
      coll = undefined;
    },
  };
}
