import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { MongoClient } from 'mongodb';
import { ferretdbPath } from '../../scripts/lib/mongo-server.ts';
import type { Lab } from '../lab.ts';
import { guardLabAddress } from '../net-guard.ts';
import type { LabNode, MachineKind, Step } from '../types.ts';
import { labMongoUri, mongoAnswers, provisionMongoStandin } from './mongodb-standin.ts';
import { provisionMongoVm } from './mongodb-vm.ts';

/**
 * MongoDB for the items, on the master. VMs: MongoDB's packages (./mongodb-vm.ts).
 * Stand-ins: the host's FerretDB binary run on the master (./mongodb-standin.ts).
 * Where neither is possible the step says so and skips; lab:crawl then writes
 * items to JSON-lines files and says that plainly (labItemSink below).
 */
export interface MongoStepOptions {
  port: number;
  database: string;
  user: string;
  password: string;
  machine: MachineKind;
  /** The FerretDB binary on this host, for stand-ins (findMongoServerBinary()). */
  serverBinary?: string | undefined;
}

/** FerretDB at $CRAWL_LAB_CACHE/bin/ferretdb (what .ci/run builds) or on PATH; undefined when absent. */
export function findMongoServerBinary(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = [
    ferretdbPath(env),
    ...(env['PATH'] ?? '')
      .split(delimiter)
      .filter(Boolean)
      .map((d) => join(d, 'ferretdb')),
  ];
  for (const path of candidates) {
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {}
  }
  return undefined;
}

export const NO_SERVER_WHY =
  'no MongoDB-protocol server binary on this machine (FerretDB, see docs/mongodb.md "A server for the tests")';

export function mongodbStep(o: MongoStepOptions): Step {
  return {
    id: 'mongodb',
    appliesTo: (n: LabNode) => n.role === 'master',
    async run(ctx) {
      if (o.machine === 'vm') return provisionMongoVm(o, ctx);
      if (o.machine === 'local')
        return {
          status: 'skipped',
          why: 'local provider: items go to JSON-lines files (npm run demo starts its own MongoDB)',
        };
      if (!o.serverBinary)
        return { status: 'skipped', why: `${NO_SERVER_WHY}: items go to JSON-lines files` };
      return provisionMongoStandin({ ...o, serverBinary: o.serverBinary }, ctx);
    },
  };
}

export type ItemSink =
  | { kind: 'mongodb'; uri: string; database: string; collection: string; where: string }
  | { kind: 'jsonl'; path: string; why: string };

export const JSONL_ITEMS = '/var/lib/crawl-lab/items.jsonl';

/**
 * Where lab:crawl's workers put items: the lab's MongoDB when lab:up provisioned
 * one and it answers the lab user from here, else JSON-lines files on each node,
 * with the reason.
 */
export async function labItemSink(lab: Lab, master: LabNode): Promise<ItemSink> {
  const m = lab.config.mongodb;
  const fallback = (why: string): ItemSink => ({ kind: 'jsonl', path: JSONL_ITEMS, why });
  if (!m.enabled) return fallback('mongodb.enabled is false in lab.yaml');
  if (lab.provider.name === 'local') return fallback('local provider: no MongoDB is provisioned');
  const uri = labMongoUri({ ip: master.ip, port: m.port, user: m.user, password: lab.secrets.mongoPassword });
  await guardLabAddress(lab, master.ip);
  if (await mongoAnswers(uri)) {
    return {
      kind: 'mongodb',
      uri,
      database: m.database,
      collection: m.collection,
      where: `MongoDB ${master.ip}:${m.port}, ${m.database}.${m.collection}`,
    };
  }
  const why =
    lab.provider.name === 'netns' && !findMongoServerBinary()
      ? NO_SERVER_WHY
      : `no MongoDB answers the lab user at ${master.ip}:${m.port} (run npm run lab:up; npm run lab:logs -- ${master.name} mongo)`;
  return fallback(why);
}

/** Documents in the sink's collection (0 for a collection that does not exist yet). */
export async function countItems(sink: Extract<ItemSink, { kind: 'mongodb' }>): Promise<number> {
  const client = new MongoClient(sink.uri, { serverSelectionTimeoutMS: 5000 });
  try {
    return await client.db(sink.database).collection(sink.collection).countDocuments();
  } finally {
    await client.close().catch(() => {});
  }
}

/** A fresh crawl starts from an empty collection (the crawl state in Redis is reset too). */
export async function clearItems(sink: Extract<ItemSink, { kind: 'mongodb' }>): Promise<void> {
  const client = new MongoClient(sink.uri, { serverSelectionTimeoutMS: 5000 });
  try {
    await client.db(sink.database).collection(sink.collection).deleteMany({});
  } finally {
    await client.close().catch(() => {});
  }
}
