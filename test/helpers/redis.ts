// Tests start a real redis-server on a free port; the same code serves the demo and the benchmarks.
import { after, before } from 'node:test';
import type { Redis } from 'ioredis';
import { startRedis, type TestRedis } from './redis-server.ts';

export {
  type ConfRedis,
  freePort,
  plainPing,
  startConfRedis,
  startRedis,
  type TestRedis,
} from './redis-server.ts';

/** One redis-server for a whole test file, and a client to look inside it. */
export interface SharedRedis {
  readonly url: string;
  readonly port: number;
  /** A client for the test's own reads and writes (closed with the server). */
  readonly admin: Redis;
}

/**
 * Call at the top of a test file: the server starts in before() and stops in
 * after(); its fields can be read from inside tests (not at load time).
 */
export function sharedRedis(): SharedRedis {
  let server: TestRedis | undefined;
  let admin: Redis | undefined;
  before(async () => {
    server = await startRedis();
    admin = server.client();
  });
  after(async () => {
    admin?.disconnect();
    await server?.stop();
  });
  const started = (): { server: TestRedis; admin: Redis } => {
    if (!server || !admin)
      throw new Error('sharedRedis(): read url/port/admin inside a test; the server starts in before()');
    return { server, admin };
  };
  return {
    get url() {
      return started().server.url;
    },
    get port() {
      return started().server.port;
    },
    get admin() {
      return started().admin;
    },
  };
}
