import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/** A real redis-server child on a free loopback port, with its own temp dir (tests, demo, bench). */
export interface TestRedis {
  url: string;
  port: number;
  client(): Redis;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export async function startRedis(extraArgs: string[] = []): Promise<TestRedis> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'crawl-lab-redis-'));
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        '--daemonize',
        'no',
        '--logfile',
        '',
        ...extraArgs,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const ready = await waitReady(child);
    if (!ready) {
      rmSync(dir, { recursive: true, force: true });
      continue;
    }
    const clients: Redis[] = [];
    return {
      url: `redis://127.0.0.1:${port}/0`,
      port,
      client() {
        const c = new Redis(port, '127.0.0.1', { lazyConnect: false, maxRetriesPerRequest: 2 });
        clients.push(c);
        return c;
      },
      async stop() {
        for (const c of clients) c.disconnect();
        if (child.exitCode === null && child.signalCode === null) {
          const done = new Promise((r) => child.once('exit', r));
          child.kill('SIGKILL');
          await done;
        }
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  throw new Error(
    'could not start redis-server: is it installed? (Debian/Ubuntu: sudo apt-get install redis-server)',
  );
}

function waitReady(child: ChildProcess): Promise<boolean> {
  return new Promise((resolve) => {
    let out = '';
    const timer = setTimeout(() => finish(false), 5000);
    const finish = (ok: boolean) => {
      clearTimeout(timer);
      child.stdout?.removeAllListeners('data');
      if (!ok && child.exitCode === null) child.kill('SIGKILL');
      resolve(ok);
    };
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Ready to accept connections')) finish(true);
    });
    child.once('exit', () => finish(false));
    child.once('error', () => finish(false)); // e.g. redis-server not installed
  });
}

/**
 * A real redis-server that is still loading its dataset, the state Redis is in
 * right after a start with a big dump.rdb (issue 12: "LOADING Redis is loading
 * the dataset in memory"). A first server writes `keys` keys to dump.rdb;
 * a second one reads it back with `key-load-delay` (µs per key) and answers
 * LOADING between keys (`loading-process-events-interval-bytes` at its
 * minimum). Resolves once it answers LOADING; `loaded` resolves when it is done.
 */
export interface LoadingRedis {
  url: string;
  port: number;
  loaded: Promise<void>;
  stop(): Promise<void>;
}

export async function startLoadingRedis(keys = 20_000, perKeyUs = 200): Promise<LoadingRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'crawl-lab-redis-loading-'));
  const first = await startRedis(['--dir', dir]);
  const c = first.client();
  await c.eval(`for i = 1, ${keys} do redis.call('SET', 'k' .. i, i) end`, 0);
  await c.save();
  await first.stop();
  const port = await freePort();
  const child = spawn(
    'redis-server',
    [
      ...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'],
      ...['--key-load-delay', String(perKeyUs), '--loading-process-events-interval-bytes', '1024'],
      ...['--daemonize', 'no', '--logfile', ''],
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  const loaded = new Promise<void>((resolve) => {
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Ready to accept connections')) resolve();
    });
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const done = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await done;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // poll until it answers LOADING (it opens its port first, then reads the file)
  const probe = new Redis(port, '127.0.0.1', {
    lazyConnect: true,
    enableReadyCheck: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => 100,
  });
  probe.on('error', () => {});
  try {
    const until = Date.now() + 10_000;
    for (;;) {
      const answer = await probe.ping().then(
        (r) => r,
        (e: Error) => e.message,
      );
      if (answer.startsWith('LOADING')) break;
      if (answer === 'PONG' || Date.now() > until) {
        await stop();
        throw new Error(`redis-server never answered LOADING (last answer: ${answer}); output:\n${out}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    probe.disconnect();
  }
  return { url: `redis://127.0.0.1:${port}/0`, port, loaded, stop };
}

/** A redis-server started on a config file (the lab's rendered redis.conf), for a test. */
export interface ConfRedis {
  /** What it printed so far. */
  output(): string;
  /** SIGTERM, as `service redis-server stop` sends: Redis fsyncs its append-only file and exits. */
  stop(): Promise<void>;
}

/**
 * redis-server on `conf` in the foreground, writing only in `dir` (no pidfile,
 * no log file, no RDB saves); `extra` options come last and win over the file.
 * Resolves once it says it is ready, rejects when it exits refusing the config
 * (a generous deadline only for a hang); killed after the test.
 */
export async function startConfRedis(
  t: { after: (fn: () => void) => void },
  conf: string,
  dir: string,
  extra: readonly string[] = [],
): Promise<ConfRedis> {
  const server = spawn(
    'redis-server',
    [conf, '--daemonize', 'no', '--pidfile', '', '--logfile', '', '--dir', dir, '--save', '', ...extra],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  server.stdout.on('data', (d: Buffer) => (output += d));
  t.after(() => server.kill('SIGKILL'));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`redis-server not ready after 60 s:\n${output}`)),
      60_000,
    );
    const done = (error?: Error) => {
      clearTimeout(timer);
      server.stdout.off('data', onData);
      server.off('exit', onExit);
      if (error) reject(error);
      else resolve();
    };
    const onData = () => {
      if (output.includes('Ready to accept connections')) done();
    };
    const onExit = (code: number | null) =>
      done(new Error(`redis-server refused the config (exit ${code}):\n${output}`));
    server.stdout.on('data', onData);
    server.once('exit', onExit);
    onData();
  });
  return {
    output: () => output,
    stop: () =>
      new Promise<void>((resolve) => {
        server.once('exit', () => resolve());
        server.kill('SIGTERM');
      }),
  };
}

/**
 * A plain-TCP PING, as a client without TLS sends it: what comes back until the
 * server closes the connection, and how it closed (a TLS-only Redis takes it for
 * a bad handshake and closes or resets it, so no +PONG).
 */
export function plainPing(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    let got = '';
    socket.on('data', (d) => {
      got += d.toString('latin1');
    });
    socket.on('connect', () => socket.end('PING\r\n'));
    socket.on('close', () => resolve(got));
    socket.on('error', (e: NodeJS.ErrnoException) => {
      got += ` (${e.code})`;
    });
  });
}
