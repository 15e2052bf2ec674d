import { randomBytes } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, before, type TestContext } from 'node:test';
import { MongoClient } from 'mongodb';
import { mongoAvailable, startMongo, type TestMongo } from './mongo-server.ts';

export { startMongo, type TestMongo } from './mongo-server.ts';

/**
 * Whether MongoDB tests run here. Outside CI a missing server skips them with a
 * message saying how to get one; under CI=true a missing server is a failure.
 */
export async function mongoSkipReason(): Promise<string | false> {
  const available = await mongoAvailable();
  if (available.ok) return false;
  if (process.env['CI'] === 'true') throw new Error(`MongoDB tests must run under CI: ${available.why}`);
  return available.why;
}

/** A database of its own for one test, dropped in t.after, and a client to look inside. */
export async function freshDatabase(
  t: TestContext,
  server: TestMongo,
): Promise<{ database: string; client: MongoClient }> {
  const database = `crawl_lab_test_${randomBytes(4).toString('hex')}`;
  const client = new MongoClient(server.url, { serverSelectionTimeoutMS: 5000 });
  await client.connect();
  t.after(async () => {
    await client
      .db(database)
      .dropDatabase()
      .catch(() => {});
    await client.close();
  });
  return { database, client };
}

/** One MongoDB-protocol server for a whole test file, or the reason its tests skip. */
export interface SharedMongo {
  /** Pass as the tests' `skip` option. */
  readonly skip: string | false;
  /** The server, started in before(); read it inside tests only. */
  readonly server: TestMongo;
}

/**
 * Call with top-level await at the top of a test file: decides whether the
 * file's MongoDB tests run, starts the server in before() unless skipped, and
 * stops it in after().
 */
export async function sharedMongo(): Promise<SharedMongo> {
  const skip = await mongoSkipReason();
  let server: TestMongo | undefined;
  before(async () => {
    if (!skip) server = await startMongo();
  });
  after(async () => {
    await server?.stop();
  });
  return {
    skip,
    get server() {
      if (!server)
        throw new Error(
          'sharedMongo(): read server inside a test that is not skipped; it starts in before()',
        );
      return server;
    },
  };
}

/**
 * A TCP proxy on a loopback port in front of the server: `cut()` closes the
 * port and every open connection (a real network outage as the driver sees it),
 * `restore()` listens on the SAME port again. Works for every server kind,
 * including a MONGO_URL we may not stop.
 */
export interface MongoProxy {
  url: string;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startProxy(serverUrl: string): Promise<MongoProxy> {
  const target = new URL(serverUrl);
  const targetPort = Number(target.port || 27017);
  const targetHost = target.hostname.replace(/^\[|\]$/g, '');
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer((client) => {
        const upstream = connect(targetPort, targetHost);
        sockets.add(client);
        sockets.add(upstream);
        client.pipe(upstream).pipe(client);
        const end = () => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        client.on('error', end).on('close', end);
        upstream.on('error', end).on('close', end);
      });
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        const address = s.address();
        if (typeof address === 'object' && address) port = address.port;
        server = s;
        resolve();
      });
    });
  const cut = async () => {
    const s = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    if (s) await new Promise<void>((r) => s.close(() => r()));
  };
  await listen();
  const url = new URL(serverUrl);
  url.host = `127.0.0.1:${port}`;
  url.searchParams.set('directConnection', 'true');
  return { url: url.toString(), cut, restore: listen, close: cut };
}
