import { MongoClient } from 'mongodb';
import type { Lab } from '../../provision/lab.ts';
import { type CrawlRecord, crawlOf, startCrawl } from './crawls.ts';
import { clearItems, type ItemSink, itemsFileOf } from './sink.ts';

/**
 * The lab's item store as the chaos check sees it: one document per item key.
 * MongoDB (the lab's store when lab:up provisioned it) is read as it is; the
 * JSON-lines fallback is merged the way MongoDB's sink merges items (every
 * field a dotted path `$set` into the document). Besides the documents it
 * counts what must not be there: the same item stored more than once (a thread
 * key in two documents, a floor twice in one thread, a JSON line repeated) and
 * records that are not items.
 */

export type Doc = Record<string, unknown>;

export interface MergedStore {
  /** Where the items were read from, for the report. */
  source: string;
  docs: Map<string, Doc>;
  /** Item records read (JSON lines, or MongoDB documents). */
  records: number;
  /** Items stored more than once: a JSON line repeating an earlier one exactly; a thread in two documents or a floor twice in one. */
  repeated: number;
  /** The item keys of the first few of them, for the report. */
  repeatedKeys: string[];
  /** Lines that are not an item (torn or not JSON). */
  unreadable: number;
}

/** How many repeated item keys a store keeps for the report. */
const REPEATED_KEYS = 5;

function setPath(doc: Doc, dotted: string, value: unknown): void {
  const path = dotted.split('.');
  let at = doc;
  for (const p of path.slice(0, -1)) {
    const next = at[p];
    if (typeof next !== 'object' || next === null) at[p] = {};
    at = at[p] as Doc;
  }
  at[path.at(-1)!] = structuredClone(value);
}

/** Merge JSON-lines texts (one per node) into documents keyed by `_key`. Pure. */
export function mergeJsonLines(texts: readonly string[], source = 'JSON lines'): MergedStore {
  const docs = new Map<string, Doc>();
  const seen = new Set<string>();
  const repeatedKeys: string[] = [];
  let records = 0;
  let repeated = 0;
  let unreadable = 0;
  for (const text of texts) {
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      let item: unknown;
      try {
        item = JSON.parse(line);
      } catch {
        unreadable++;
        continue;
      }
      // `_key` is the sink's copy of the item key; an item without it keys itself by its `key` field
      const key = (item as Doc | null)?.['_key'] ?? (item as Doc | null)?.['key'];
      if (typeof item !== 'object' || item === null || typeof key !== 'string') {
        unreadable++;
        continue;
      }
      records++;
      // identity = key + content, as the Redis list sink dedupes (fields in a stable order)
      const fields = Object.entries(item as Doc)
        .filter(([k]) => k !== '_key' && k !== 'key')
        .sort(([a], [b]) => (a < b ? -1 : 1));
      const identity = JSON.stringify([key, fields]);
      if (seen.has(identity)) {
        repeated++;
        if (repeatedKeys.length < REPEATED_KEYS) repeatedKeys.push(key);
      }
      seen.add(identity);
      const doc = docs.get(key) ?? {};
      docs.set(key, doc);
      for (const [field, value] of fields) setPath(doc, field, value);
    }
  }
  return { source, docs, records, repeated, repeatedKeys, unreadable };
}

type MongoSink = Extract<ItemSink, { kind: 'mongodb' }>;

/** Floors of one stored thread document that repeat a floor number (a floor stored twice under two ids). */
function repeatedFloors(doc: Doc): number {
  const floors = doc['floors'];
  if (typeof floors !== 'object' || floors === null) return 0;
  const numbers = Object.values(floors as Record<string, Doc>).map((f) => f?.['floor']);
  return numbers.length - new Set(numbers).size;
}

/**
 * Documents as read from MongoDB, checked for what its unique `_id` cannot rule
 * out: one thread key (`_key`, `tid`) in two documents, a floor twice. Pure.
 */
export function fromMongoDocuments(found: readonly Doc[], source = 'MongoDB'): MergedStore {
  const docs = new Map<string, Doc>();
  const threads = new Set<string>();
  const repeatedKeys: string[] = [];
  let repeated = 0;
  let unreadable = 0;
  for (const raw of found) {
    const key = raw['_key'] ?? raw['_id'];
    if (typeof key !== 'string') {
      unreadable++;
      continue;
    }
    const { _id, _key, ...doc } = raw;
    // a thread is one document: the same key or thread id twice is an item stored twice
    const thread = String(doc['tid'] ?? key);
    const times = (docs.has(key) || threads.has(thread) ? 1 : 0) + repeatedFloors(doc);
    threads.add(thread);
    repeated += times;
    if (times > 0 && repeatedKeys.length < REPEATED_KEYS) repeatedKeys.push(thread);
    if (!docs.has(key)) docs.set(key, doc);
  }
  return { source, docs, records: found.length, repeated, repeatedKeys, unreadable };
}

/** Every document of the lab's item collection (read from this host, as lab:crawl counts them). */
export async function readMongoItems(sink: MongoSink): Promise<MergedStore> {
  const client = new MongoClient(sink.hostUri, { serverSelectionTimeoutMS: 10_000 });
  try {
    const found = await client.db(sink.database).collection<Doc>(sink.collection).find({}).toArray();
    return fromMongoDocuments(found as Doc[], sink.where);
  } finally {
    await client.close().catch(() => {});
  }
}

/**
 * The lab's item store: its MongoDB collection (it holds the current crawl), or
 * one crawl's JSON-lines file of every node merged. @default crawl: the current one
 */
export async function readLabItems(
  lab: Lab,
  sink: ItemSink,
  crawl: string = crawlOf(lab.stateDir).id,
): Promise<MergedStore> {
  if (sink.kind === 'mongodb') return readMongoItems(sink);
  const texts = await Promise.all(
    lab.nodes.map(async (n) => {
      const t = lab.provider.transport(n);
      const r = await t.run(['cat', itemsFileOf(t, crawl)], { nothrow: true });
      return r.exitCode === 0 ? r.stdout : '';
    }),
  );
  return mergeJsonLines(texts, `items/${crawl}.jsonl on ${lab.nodes.length} nodes, merged by item key`);
}

/**
 * A fresh crawl: a new crawl id, so the nodes' JSON lines go to a new file
 * (earlier crawls' files stay); MongoDB's collection is emptied, as the article's
 * crawl starts from an empty one. The crawl state in Redis is reset beside it.
 */
export async function startLabItems(lab: Lab, sink: ItemSink): Promise<CrawlRecord> {
  const crawl = startCrawl(lab.stateDir);
  if (sink.kind === 'mongodb') await clearItems(sink);
  return crawl;
}
