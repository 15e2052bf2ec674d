import type { RunSummary } from 'crawl-lab';
import { type Lab, redisUrlOf, servicesOf } from '../../provision/lab.ts';
import { layoutOf } from '../../provision/layout.ts';
import { NODE_REDIS_CA } from '../../provision/redis-tls.ts';
import type { LabNode } from '../../provision/types.ts';
import { crawlOf } from '../items/crawls.ts';
import { type ItemSink, itemsFileOf } from '../items/sink.ts';
import { SPIDER } from './target.ts';
import { workerNodeArgs } from './worker-command.ts';

/** One worker process of the lab: its node, its worker id and its service name there. */
export interface WorkerRef {
  node: LabNode;
  id: string;
  service: string;
}

/** The workers a lab crawl starts: crawl.workers_per_node on every node. */
export function workersOf(lab: Lab): WorkerRef[] {
  const out: WorkerRef[] = [];
  for (const node of lab.nodes) {
    for (let i = 1; i <= lab.config.crawl.workersPerNode; i++) {
      out.push({ node, id: `${node.name}-${i}`, service: `worker-${i}` });
    }
  }
  return out;
}

export interface StartWorkerOptions {
  /** Extra `--set name=value` entries (lab:chaos shortens leaseTimeout). */
  settings?: readonly string[];
  /** Old-generation heap cap in MB (0 = V8's default); @default worker-command.ts WORKER_HEAP_MB */
  heapMb?: number;
  /** The spider: a bundled name, or a path on the node. @default 'tieba' */
  spider?: string;
}

/** What starting a worker runs on its node: the program's argv and its environment (the secrets). */
export interface WorkerLaunch {
  argv: string[];
  env: Record<string, string>;
}

/** The command line and environment of one lab worker (startWorker runs it; lesson 9 shows it). */
export function workerLaunch(
  lab: Lab,
  w: WorkerRef,
  sink: ItemSink,
  options: StartWorkerOptions = {},
): WorkerLaunch {
  const transport = lab.provider.transport(w.node);
  const { nodeBin, appDir } = layoutOf(transport);
  const sinkArgs =
    sink.kind === 'mongodb'
      ? ['--set', `mongoDatabase=${sink.database}`, '--set', `mongoCollection=${sink.collection}`]
      : // the truth check merges the nodes' files by item key: ask for it (items leave it out by default)
        ['--output', itemsFileOf(transport, crawlOf(lab.stateDir).id), '--set', 'feedItemKey=true'];
  // the MongoDB URI carries the lab user's password: environment, like REDIS_URL
  const sinkEnv: Record<string, string> = sink.kind === 'mongodb' ? { CRAWL_MONGO_URI: sink.uri } : {};
  const argv = [
    nodeBin,
    ...workerNodeArgs(
      `${appDir}/crawl.mjs`,
      [
        'run',
        options.spider ?? SPIDER,
        '--worker-id',
        w.id,
        ...sinkArgs,
        '--set',
        `concurrentRequests=${lab.config.crawl.concurrentRequests}`,
        '--set',
        `leaseTimeout=${lab.config.crawl.leaseTimeoutS}`,
        ...(options.settings ?? []).flatMap((s) => ['--set', s]),
        '--json',
      ],
      options.heapMb,
    ),
  ];
  // the Redis URL (with its password) goes through the environment, not the command line
  // redis.tls: the workers verify Redis with the lab CA lab:up copied to every node
  const tlsEnv: Record<string, string> = lab.config.redis.tls ? { CRAWL_REDIS_CA: NODE_REDIS_CA } : {};
  return { argv, env: { REDIS_URL: redisUrlOf(lab), ...tlsEnv, ...sinkEnv } };
}

/**
 * Start one worker as a service on its node (no-op when it runs already with
 * this command line; restarted with the new one when it runs with another),
 * through the node's service manager: systemd units on VMs, supervised
 * processes on stand-ins and local nodes (provision/lab.ts servicesOf). The
 * runner starts every worker this way; lab:chaos and lesson 9 add one mid-crawl.
 */
export async function startWorker(
  lab: Lab,
  w: WorkerRef,
  sink: ItemSink,
  options: StartWorkerOptions = {},
): Promise<void> {
  const { argv, env } = workerLaunch(lab, w, sink, options);
  await servicesOf(lab, lab.provider.transport(w.node)).start(w.service, argv, env);
}

export async function stopWorker(lab: Lab, w: WorkerRef): Promise<void> {
  await servicesOf(lab, lab.provider.transport(w.node)).stop(w.service);
}

/** The summary a finished worker printed last (`--json`: one JSON line), from its service log; undefined when absent. */
export async function workerSummary(lab: Lab, w: WorkerRef): Promise<RunSummary | undefined> {
  const log = await servicesOf(lab, lab.provider.transport(w.node)).log(w.service, 20);
  for (const line of log.trim().split('\n').reverse()) {
    if (!line.startsWith('{')) continue;
    try {
      const parsed = JSON.parse(line) as Partial<RunSummary>;
      if (typeof parsed.workerId === 'string' && typeof parsed.cpuMs === 'number')
        return parsed as RunSummary;
    } catch {}
  }
  return undefined;
}
