import { quote } from 'zx';
import { CrawlError } from '../../crawler/errors.ts';
import { connectAdmin } from '../../crawler/redis-admin.ts';
import { inspectCrawl } from '../../crawler/scheduler/admin.ts';
import { resolveSettings } from '../../crawler/settings/load.ts';
import { type Lab, masterOf, redisUrlOf, servicesOf } from '../lab.ts';
import { startWorker } from '../lab-crawl.ts';
import { layoutOf } from '../layout.ts';
import type { LabNode } from '../types.ts';

/**
 * Lesson 9's experiments on a running lab crawl: wait until the crawl has
 * fetched some pages, then kill a worker (SIGKILL, as a crash), add one, or
 * stop them all (SIGTERM, as Ctrl-C). Every wait is bounded.
 */

const SPIDER = 'tieba';

function nodeOf(lab: Lab, name: string): LabNode {
  const node = lab.nodes.find((n) => n.name === name);
  if (!node) {
    throw new CrawlError('CRAWL_E_USAGE', `no node named "${name}"`, {
      hint: `nodes: ${lab.nodes.map((n) => n.name).join(', ')}`,
    });
  }
  return node;
}

/**
 * Wait until a crawl that is running has fetched `pages` pages. Started next to
 * `lab:crawl`, it first waits to see the crawl running (lab:crawl resets the
 * previous crawl's stats first), then for the count; it gives up after
 * `timeoutS` and returns the count it saw.
 */
export async function waitForPages(lab: Lab, pages: number, timeoutS = 120): Promise<number> {
  const { settings } = resolveSettings({ env: {}, flags: { redisUrl: redisUrlOf(lab) } });
  const admin = await connectAdmin(settings.redisUrl);
  try {
    const until = Date.now() + timeoutS * 1000;
    let running = false;
    for (;;) {
      const info = await inspectCrawl(admin, SPIDER, settings);
      const done = Number(info.stats['response_received_count'] ?? 0);
      running ||= info.seeded && !info.finished && info.workers.some((w) => w.alive);
      if ((running && (done >= pages || info.finished)) || Date.now() > until) return done;
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    admin.disconnect();
  }
}

/** SIGKILL the worker process group of `service` on a node: a crash, no goodbye, its leases stay behind. */
export async function killWorker(lab: Lab, nodeName: string, service = 'worker-1'): Promise<string> {
  const node = nodeOf(lab, nodeName);
  const transport = lab.provider.transport(node);
  const pidfile = `${layoutOf(transport).services.runDir}/${service}.pid`;
  const script =
    'if [ -f "$1" ] && kill -KILL -- "-$(cat "$1")" 2>/dev/null; then echo killed; else echo "not running"; fi';
  const r = await transport.run(['bash', '-c', script, 'kill', pidfile]);
  return `${node.name} ${service}: ${r.stdout.trim()} (kill -9)`;
}

/** Start one more worker as service `service` on a node, exactly as lab:crawl starts its workers (same item store). */
export async function addWorker(lab: Lab, nodeName: string, service = 'worker-extra'): Promise<string> {
  const node = nodeOf(lab, nodeName);
  const id = `${node.name}-extra`;
  await startWorker(lab, { node, id, service });
  return `${node.name}: worker ${id} started (service ${service}; log: npm run lab:logs -- ${node.name} ${service})`;
}

/** SIGTERM every lab worker: each hands its leases back to the queue and exits 0. */
export async function stopWorkers(lab: Lab): Promise<string[]> {
  // all nodes at once, so the crawl stops part-way instead of finishing while we go round
  const stops = lab.nodes.flatMap((node) =>
    [
      ...Array.from({ length: lab.config.crawl.workersPerNode }, (_, i) => `worker-${i + 1}`),
      'worker-extra',
    ].map(async (service) => {
      await servicesOf(lab, lab.provider.transport(node)).stop(service);
      return `${node.name} ${service}: stopped`;
    }),
  );
  return (await Promise.all(stops)).filter((line) => !line.includes('worker-extra'));
}

/**
 * Shell lines that give a terminal the lab's Redis (for `crawl inspect`,
 * `crawl stats` and `redis-cli`): `eval "$(npm run -s lab:lesson -- --env)"`.
 * The password goes into variables, never onto the screen.
 */
export function labEnvLines(lab: Lab): string[] {
  const master = masterOf(lab);
  const lines = [
    `export REDIS_URL=${quote(redisUrlOf(lab))}`,
    `export LAB_MASTER=${quote(master.ip)}`,
    `export LAB_REDIS_PORT=${quote(String(lab.config.redis.port))}`,
  ];
  if (!lab.config.redis.articleExact) lines.push(`export REDISCLI_AUTH=${quote(lab.secrets.redisPassword)}`);
  return lines;
}
