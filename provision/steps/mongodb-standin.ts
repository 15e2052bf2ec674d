import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { MongoClient } from 'mongodb';
import { CrawlError } from '../../crawler/errors.ts';
import type { StepContext, StepStatus } from '../types.ts';
import type { MongoStepOptions } from './mongodb.ts';
import { serviceManagerFor } from './systemd.ts';

/**
 * MongoDB on a stand-in master (netns): no MongoDB packages reach this machine,
 * so the host's MongoDB-protocol server binary (FerretDB with its SQLite
 * backend, built by .ci/run) is copied to the master and run there as a
 * supervised service on the master's lab address, with a user and password
 * like the VMs' (the password through the environment, never argv).
 */

export const MONGO_DATA_DIR = '/var/lib/crawl-lab/mongo';
export const MONGO_BIN = '/usr/local/bin/crawl-lab-ferretdb';
export const MONGO_SERVICE = 'mongo';

/** The server command line on the master (FerretDB 1.x flags). */
export function ferretdbArgv(o: { ip: string; port: number; user: string }): string[] {
  return [
    MONGO_BIN,
    '--handler=sqlite',
    `--sqlite-url=file:${MONGO_DATA_DIR}/`,
    `--state-dir=${MONGO_DATA_DIR}`,
    `--listen-addr=${o.ip}:${o.port}`,
    '--debug-addr=-',
    '--telemetry=disable',
    '--log-level=warn',
    '--test-enable-new-auth',
    '--setup-database=admin',
    `--setup-username=${o.user}`,
  ];
}

/** Connection string for the lab user (credentials included: pass it through the environment). */
export function labMongoUri(o: { ip: string; port: number; user: string; password: string }): string {
  return `mongodb://${encodeURIComponent(o.user)}:${encodeURIComponent(o.password)}@${o.ip}:${o.port}/?authSource=admin&directConnection=true`;
}

/** Log in and ping from this host (the host reaches the master's lab address); false when nobody answers in time. */
export async function mongoAnswers(uri: string, timeoutMs = 3000): Promise<boolean> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: timeoutMs, connectTimeoutMS: timeoutMs });
  try {
    await client.db('admin').command({ ping: 1 });
    return true;
  } catch {
    return false;
  } finally {
    await client.close().catch(() => {});
  }
}

async function sha256(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}

export async function provisionMongoStandin(
  o: MongoStepOptions & { serverBinary: string },
  ctx: StepContext,
): Promise<StepStatus> {
  const { transport: t, node, log } = ctx;
  const services = serviceManagerFor(t, 'standin');
  const uri = labMongoUri({ ip: node.ip, port: o.port, user: o.user, password: o.password });
  const want = await sha256(o.serverBinary);
  const have = (await t.run(['sha256sum', MONGO_BIN], { nothrow: true })).stdout.split(' ')[0];
  const running = (await services.state(MONGO_SERVICE)).state === 'running';
  if (have === want && running && (await mongoAnswers(uri))) return { status: 'ok' };

  if (have !== want) {
    await services.stop(MONGO_SERVICE);
    await t.copy(o.serverBinary, MONGO_BIN);
  }
  await t.run(['mkdir', '-p', MONGO_DATA_DIR]);
  await services.start(MONGO_SERVICE, ferretdbArgv({ ip: node.ip, port: o.port, user: o.user }), {
    FERRETDB_SETUP_PASSWORD: o.password,
  });
  for (let i = 0; i < 40; i++) {
    if (await mongoAnswers(uri, 500)) {
      log(`FerretDB (MongoDB protocol, SQLite) on ${node.ip}:${o.port}, user ${o.user}`);
      return { status: 'changed' };
    }
    if ((await services.state(MONGO_SERVICE)).state !== 'running') break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const tail = (await services.log(MONGO_SERVICE, 15)).trim();
  throw new CrawlError(
    'CRAWL_E_PROVISION',
    `the MongoDB stand-in on ${node.name} does not answer at ${node.ip}:${o.port}${tail ? `: ${tail}` : ''}`,
    {
      hint: `see its log (npm run lab:logs -- ${node.name} ${MONGO_SERVICE}); if the user or password changed, delete ${MONGO_DATA_DIR} on the master and run lab:up again`,
    },
  );
}
