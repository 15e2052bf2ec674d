import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
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
        if (child.exitCode === null) {
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
