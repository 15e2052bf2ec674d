import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Lab, labUp, openLab } from '../../provision/lab.ts';
import { LOCAL_FIRST_HOST } from '../../provision/providers/local.ts';
import { ensureDist } from '../build/dist.ts';

/**
 * A throw-away lab of plain processes on this machine (the local provider, no
 * root): `npm run demo` and the benchmarks crawl through the same runner and
 * the same provisioning as lab:crawl, on a lab of their own — a temporary
 * state folder, a lab id of its own and free ports — that `close()` removes.
 */
export interface LocalLabOptions {
  /** Nodes (worker1..N), each running `workersPerNode` workers; worker1 is also the master. */
  nodes: number;
  workersPerNode?: number;
  listPages: number;
  latencyMs?: number;
  /** Store items in MongoDB (the host's MongoDB-protocol server run by the master) instead of JSON lines. @default false */
  mongodb?: boolean;
  concurrentRequests?: number;
  /** Progress lines of lab:up. @default none */
  log?: (line: string) => void;
}

export interface LocalLab {
  lab: Lab;
  close(): Promise<void>;
}

/** A free TCP port on the master's loopback address (closed again at once; the lab binds it moments later). */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

export async function openLocalLab(o: LocalLabOptions): Promise<LocalLab> {
  await ensureDist();
  const stateDir = mkdtempSync(join(tmpdir(), 'crawl-lab-local-'));
  const master = `127.0.0.${LOCAL_FIRST_HOST}`;
  // worker1..N, one machine each; the first also holds Redis and the site (role master)
  const nodes = Array.from({ length: o.nodes }, (_, i) => ({
    name: `worker${i + 1}`,
    role: i === 0 ? 'master' : 'worker',
    ip: `192.168.56.${10 + i}`,
  }));
  const overrides = {
    provider: 'local',
    nodes,
    redis: { port: await freePort(master) },
    mongodb: { enabled: Boolean(o.mongodb), port: await freePort(master) },
    site: { port: await freePort(master), latency_ms: o.latencyMs ?? 0 },
    crawl: {
      list_pages: o.listPages,
      workers_per_node: o.workersPerNode ?? 1,
      all_pages: true,
      ...(o.concurrentRequests ? { concurrent_requests: o.concurrentRequests } : {}),
    },
  };
  const labId = `l${process.pid.toString(36).slice(-4)}${Math.floor(Math.random() * 36 ** 2).toString(36)}`;
  const lab = await openLab({ stateDir, labId, overrides, log: o.log ?? (() => {}) });
  const close = async () => {
    await lab.provider.destroy(lab.nodes).catch(() => {});
    rmSync(stateDir, { recursive: true, force: true });
  };
  try {
    await labUp(lab);
  } catch (error) {
    await close();
    throw error;
  }
  return { lab, close };
}
