import { MongoClient } from 'mongodb';
import { type Lab, masterOf } from '../../provision/lab.ts';
import { layoutOf } from '../../provision/layout.ts';
import { findMongoServerBinary, NO_SERVER_WHY } from '../../provision/steps/mongodb-binary.ts';
import { labMongoUri, mongoAnswers } from '../../provision/steps/mongodb-standin.ts';
import type { Transport } from '../../provision/types.ts';

/**
 * Where a lab crawl's items go: the lab's MongoDB (database `yuliao`,
 * collection `tieba`, as in the article) when lab:up provisioned one and it
 * answers the lab user, else a JSON-lines file on each node, with the reason.
 */
export type ItemSink =
  | {
      kind: 'mongodb';
      /** The workers' connection string (the master's lab address; credentials: pass it through the environment). */
      uri: string;
      /** The same server as this host reaches it (Provider.hostEndpoint: the address, or a forwarded port). */
      hostUri: string;
      database: string;
      collection: string;
      /** "MongoDB <address>:<port>, <db>.<collection>" for summaries. */
      where: string;
    }
  | { kind: 'jsonl'; why: string };

/**
 * The JSON-lines file a worker appends one crawl's items to on its node: `items/<crawl id>.jsonl`
 * in the node's data folder (layout.ts); a new crawl, a new file (crawls.ts).
 */
export function itemsFileOf(transport: Pick<Transport, 'node'>, crawl: string): string {
  return `${layoutOf(transport).dataDir}/items/${crawl}.jsonl`;
}

export async function labItemSink(lab: Lab): Promise<ItemSink> {
  const m = lab.config.mongodb;
  const master = masterOf(lab);
  const fallback = (why: string): ItemSink => ({ kind: 'jsonl', why });
  if (!m.enabled) return fallback('mongodb.enabled is false in lab.yaml');
  const login = { user: m.user, password: lab.secrets.mongoPassword };
  const at = await lab.provider.hostEndpoint(master, m.port);
  const hostUri = labMongoUri({ ip: at.host, port: at.port, ...login });
  if (await mongoAnswers(hostUri)) {
    return {
      kind: 'mongodb',
      uri: labMongoUri({ ip: master.ip, port: m.port, ...login }),
      hostUri,
      database: m.database,
      collection: m.collection,
      where: `MongoDB ${master.ip}:${m.port}, ${m.database}.${m.collection}`,
    };
  }
  const why =
    lab.machine !== 'vm' && !findMongoServerBinary()
      ? NO_SERVER_WHY
      : `no MongoDB answers the lab user at ${master.ip}:${m.port} (run npm run lab:up; npm run lab:logs -- ${master.name} mongo)`;
  return fallback(why);
}

type MongoSink = Extract<ItemSink, { kind: 'mongodb' }>;

async function withCollection<T>(sink: MongoSink, body: (c: ReturnType<MongoClient['db']>) => Promise<T>) {
  const client = new MongoClient(sink.hostUri, { serverSelectionTimeoutMS: 5000 });
  try {
    return await body(client.db(sink.database));
  } finally {
    await client.close().catch(() => {});
  }
}

/** Documents in the sink's collection (0 for a collection that does not exist yet). */
export function countItems(sink: MongoSink): Promise<number> {
  return withCollection(sink, (db) => db.collection(sink.collection).countDocuments());
}

/** A fresh crawl starts from an empty collection (the crawl state in Redis is reset too). */
export async function clearItems(sink: MongoSink): Promise<void> {
  await withCollection(sink, (db) => db.collection(sink.collection).deleteMany({}));
}
