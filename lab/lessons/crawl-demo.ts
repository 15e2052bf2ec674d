import { CrawlError, STAT, statValue } from 'crawl-lab';
import { connectAdmin, inspectCrawl } from 'crawl-lab/admin';
import { quote } from 'zx';
import { hostRedisUrl, type Lab, servicesOf } from '../../provision/lab.ts';
import { layoutOf } from '../../provision/layout.ts';
import type { LabNode } from '../../provision/types.ts';
import { labItemSink } from '../items/sink.ts';
import { adminSettings } from '../runner/run-crawl.ts';
import { SPIDER } from '../runner/target.ts';
import { startWorker } from '../runner/workers.ts';

/**
 * Lesson 9's experiments on a running lab crawl: wait until the crawl has
 * fetched some pages, then kill a worker (SIGKILL, as a crash), add one, or
 * stop them all (SIGTERM, as Ctrl-C). Every wait is bounded.
 */

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
  const settings = adminSettings(await hostRedisUrl(lab));
  const admin = await connectAdmin(settings.redisUrl);
  try {
    const until = Date.now() + timeoutS * 1000;
    let running = false;
    for (;;) {
      const info = await inspectCrawl(admin, SPIDER, settings);
      const done = statValue(info.stats, STAT.pages);
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
  await startWorker(lab, { node, id, service }, await labItemSink(lab));
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
export async function labEnvLines(lab: Lab): Promise<string[]> {
  // this terminal is on the host: the master's Redis as the host reaches it (an address, or a forwarded port)
  const url = await hostRedisUrl(lab);
  const { hostname, port } = new URL(url);
  const lines = [
    `export REDIS_URL=${quote(url)}`,
    `export LAB_MASTER=${quote(hostname)}`,
    `export LAB_REDIS_PORT=${quote(port)}`,
  ];
  if (!lab.config.redis.articleExact) lines.push(`export REDISCLI_AUTH=${quote(lab.secrets.redisPassword)}`);
  return lines;
}
