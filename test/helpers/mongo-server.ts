import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import {
  isExecutable as executable,
  FERRETDB_PATCH_STAMP,
  ferretdbPath,
  HOW_TO_GET_ONE,
  onPath,
} from '../../provision/steps/mongodb-binary.ts';
import { freePort } from './redis-server.ts';

export {
  FERRETDB_PATCH_STAMP,
  FERRETDB_VERSION,
  ferretdbPath,
  HOW_TO_GET_ONE,
} from '../../provision/steps/mongodb-binary.ts';

/**
 * A real MongoDB-protocol server for tests, the demo and benchmarks, found in
 * this order: `MONGO_URL` (a server you run), a `mongod` on PATH (started on a
 * free loopback port with a temp dbpath), or FerretDB v1.24.2 with its SQLite
 * backend from the crawl-lab cache (npm test's set-up step builds it there with Go).
 */
export type MongoKind = 'env' | 'mongod' | 'ferretdb';

export interface TestMongo {
  /** Connection string, with credentials when `auth` was asked for. */
  url: string;
  kind: MongoKind;
  /** Loopback port of a server started here (undefined for MONGO_URL). */
  port: number | undefined;
  /** Stop the server (kill -9) and remove its data; a no-op for MONGO_URL. */
  stop(): Promise<void>;
}

export interface StartMongoOptions {
  /**
   * A server that checks this user: FerretDB and mongod started here with
   * authentication on and the user made; with MONGO_URL, its own credentials
   * when it has some (the tests take user and password from the returned url),
   * else this user created on it (with a random suffix) and dropped by stop().
   */
  auth?: { user: string; password: string };
  env?: NodeJS.ProcessEnv;
}

export function whichMongo(env: NodeJS.ProcessEnv = process.env): MongoKind | undefined {
  if (env['MONGO_URL']) return 'env';
  if (onPath('mongod', env)) return 'mongod';
  if (executable(ferretdbPath(env)) || onPath('ferretdb', env)) return 'ferretdb';
  return undefined;
}

export async function mongoAvailable(
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ ok: true; kind: MongoKind } | { ok: false; why: string }> {
  const kind = whichMongo(env);
  const cached = ferretdbPath(env);
  if (kind === 'ferretdb' && executable(cached) && !existsSync(`${cached}${FERRETDB_PATCH_STAMP}`))
    return {
      ok: false,
      why: `the FerretDB at ${cached} was built without .ci/ferretdb/crawl-lab.patch (it loses concurrent updates and scans tables): delete it and run npm test (its set-up step rebuilds it), or build it as docs/mongodb.md shows`,
    };
  if (kind) return { ok: true, kind };
  return { ok: false, why: `no MongoDB-protocol server found: ${HOW_TO_GET_ONE}` };
}

export async function startMongo(options: StartMongoOptions = {}): Promise<TestMongo> {
  const env = options.env ?? process.env;
  const kind = whichMongo(env);
  if (kind === 'env') {
    const given = env['MONGO_URL'] as string;
    if (options.auth) return withUser(given, 'env', undefined, options.auth, async () => {});
    return { url: given, kind, port: undefined, stop: async () => {} };
  }
  if (kind === 'mongod') {
    const mongod = onPath('mongod', env) as string;
    const started = await startChild('mongod', (port, dir) => [
      mongod,
      [
        '--port',
        String(port),
        '--bind_ip',
        '127.0.0.1',
        '--dbpath',
        dir,
        '--quiet',
        '--nounixsocket',
        ...(options.auth ? ['--auth'] : []),
      ],
    ]);
    // the first user comes in through mongod's localhost exception
    if (options.auth) return withUser(started.url, 'mongod', started.port, options.auth, started.stop);
    return started;
  }
  if (kind === 'ferretdb') {
    const bin = executable(ferretdbPath(env)) ? ferretdbPath(env) : (onPath('ferretdb', env) as string);
    const auth = options.auth;
    const started = await startChild(
      'ferretdb',
      (port, dir) => [
        bin,
        [
          '--handler=sqlite',
          `--sqlite-url=file:${dir}/`,
          `--state-dir=${dir}`,
          `--listen-addr=127.0.0.1:${port}`,
          '--debug-addr=-',
          '--telemetry=disable',
          '--log-level=error',
          ...(auth
            ? [
                '--test-enable-new-auth',
                '--setup-database=admin',
                `--setup-username=${auth.user}`,
                `--setup-password=${auth.password}`,
              ]
            : []),
        ],
      ],
      auth,
    );
    return started;
  }
  throw new Error(`no MongoDB-protocol server found: ${HOW_TO_GET_ONE}`);
}

/**
 * `url` with a user of its own: a MONGO_URL that carries credentials is used as
 * it is; otherwise the user is created in admin (root role), and dropped again
 * on stop when the server is not ours to throw away.
 */
async function withUser(
  url: string,
  kind: MongoKind,
  port: number | undefined,
  auth: { user: string; password: string },
  stopServer: () => Promise<void>,
): Promise<TestMongo> {
  const given = new URL(url);
  if (given.username) return { url, kind, port, stop: stopServer };
  const user = kind === 'env' ? `${auth.user}-${randomBytes(4).toString('hex')}` : auth.user;
  const admin = new MongoClient(url, { serverSelectionTimeoutMS: 5000 });
  try {
    await admin.db('admin').command({ createUser: user, pwd: auth.password, roles: ['root'] });
  } catch (error) {
    throw new Error(
      `the ${kind === 'env' ? 'MONGO_URL' : kind} server could not create a test user (${String(error)}): give MONGO_URL a user and password, or use a server with users (mongod, FerretDB with --test-enable-new-auth)`,
      { cause: error },
    );
  } finally {
    await admin.close();
  }
  const withCredentials = new URL(url);
  withCredentials.username = encodeURIComponent(user);
  withCredentials.password = encodeURIComponent(auth.password);
  withCredentials.searchParams.set('authSource', 'admin');
  const stop = async () => {
    if (kind === 'env') {
      const c = new MongoClient(withCredentials.toString(), { serverSelectionTimeoutMS: 5000 });
      await c
        .db('admin')
        .command({ dropUser: user })
        .catch(() => {});
      await c.close();
    }
    await stopServer();
  };
  return { url: withCredentials.toString(), kind, port, stop };
}

async function startChild(
  kind: 'mongod' | 'ferretdb',
  command: (port: number, dir: string) => [string, string[]],
  auth?: { user: string; password: string },
): Promise<TestMongo> {
  let lastError = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), `crawl-lab-${kind}-`));
    const [bin, args] = command(port, dir);
    const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-2000);
    });
    const credentials = auth ? `${encodeURIComponent(auth.user)}:${encodeURIComponent(auth.password)}@` : '';
    const url = `mongodb://${credentials}127.0.0.1:${port}/?directConnection=true${auth ? '&authSource=admin' : ''}`;
    const stop = async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGKILL');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    };
    if (await waitReady(child, url)) return { url, kind, port, stop };
    lastError = stderr.trim() || `exit code ${child.exitCode}`;
    await stop();
  }
  throw new Error(`could not start ${kind}: ${lastError}`);
}

/** Ready when a ping answers (FerretDB and mongod both take a moment to open their storage). */
async function waitReady(child: ChildProcess, url: string): Promise<boolean> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    const client = new MongoClient(url, { serverSelectionTimeoutMS: 500, connectTimeoutMS: 500 });
    try {
      await client.db('admin').command({ ping: 1 });
      return true;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      await client.close().catch(() => {});
    }
  }
  return false;
}
