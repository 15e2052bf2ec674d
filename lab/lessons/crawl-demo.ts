import { CrawlError, STAT, statValue } from 'crawl-lab';
import { type CrawlInspection, connectAdmin, inspectCrawl } from 'crawl-lab/admin';
import { quote } from 'zx';
import { redact } from '../../common/redact.ts';
import { hostRedisCa, hostRedisUrl, type Lab, masterOf, servicesOf } from '../../provision/lab.ts';
import { layoutOf } from '../../provision/layout.ts';
import { REDIS_CRAWLER_USER } from '../../provision/redis-acl.ts';
import { unitName } from '../../provision/steps/systemd.ts';
import type { LabNode, MachineKind } from '../../provision/types.ts';
import { labItemSink } from '../items/sink.ts';
import { adminSettings } from '../runner/run-crawl.ts';
import { SPIDER } from '../runner/target.ts';
import { startWorker, type WorkerRef, workerLaunch } from '../runner/workers.ts';
import { shown, sshLine } from './show.ts';

/**
 * Lesson 9's experiments on a running lab crawl: wait until the crawl has
 * fetched some pages, then kill a worker (SIGKILL, as a crash), add one, or
 * stop them all (SIGTERM, as Ctrl-C). These stay helpers because of their
 * timing (mid-crawl, all nodes at once), but each prints the real command
 * (`$ npm run lab:ssh -- …`) before it runs exactly that argv on the node, so
 * the student can type it again. Every wait is bounded.
 */

/** Prints a line for the student. */
export type Say = (line: string) => void;

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
  let running = false;
  let done = 0;
  await pollCrawl(lab, timeoutS, 100, (info) => {
    done = statValue(info.stats, STAT.pages);
    running ||= info.seeded && !info.finished && info.workers.some((w) => w.alive);
    return running && (done >= pages || info.finished);
  });
  return done;
}

/**
 * Reads the lab crawl's state (`crawl inspect`'s view) every `everyMs` until
 * `enough` says so (true) or `timeoutS` has passed (false), on one admin
 * connection closed at the end.
 */
async function pollCrawl(
  lab: Lab,
  timeoutS: number,
  everyMs: number,
  enough: (info: CrawlInspection) => boolean | Promise<boolean>,
): Promise<boolean> {
  const settings = adminSettings(await hostRedisUrl(lab), hostRedisCa(lab));
  const admin = await connectAdmin(settings.redisUrl, { ca: settings.redisCa });
  try {
    const until = Date.now() + timeoutS * 1000;
    for (;;) {
      if (await enough(await inspectCrawl(admin, SPIDER, settings))) return true;
      if (Date.now() > until) return false;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  } finally {
    admin.disconnect();
  }
}

/**
 * The one command that signals a worker service's whole process group, as a
 * student would type it after `npm run lab:ssh -- <node> --`: its unit on VMs
 * (systemd), its pidfile elsewhere (the lab's supervised services). Values
 * reach sh as arguments, never spliced into the script.
 */
export function signalArgv(
  where: { machine: MachineKind; runDir: string },
  service: string,
  signal: 'KILL' | 'TERM',
): string[] {
  const done = signal === 'KILL' ? 'killed' : 'stopped';
  const name = signal.toLowerCase();
  if (where.machine === 'vm')
    return ['sh', '-c', `systemctl kill --signal=${signal} "$1" && echo ${done}`, name, unitName(service)];
  // bash: dash's kill takes no `--`, and a process group is a negative pid
  return [
    'bash',
    '-c',
    `kill -${signal} -- "-$(cat "$1")" && echo ${done}`,
    name,
    `${where.runDir}/${service}.pid`,
  ];
}

/** Where a node's services are: what signalArgv needs to know. */
const servicesWhere = (lab: Lab, node: LabNode) => ({
  machine: lab.machine,
  runDir: layoutOf(lab.provider.transport(node)).services.runDir,
});

async function signalWorker(
  lab: Lab,
  node: LabNode,
  service: string,
  signal: 'KILL' | 'TERM',
  say: Say,
): Promise<string> {
  const argv = signalArgv(servicesWhere(lab, node), service, signal);
  say(shown(sshLine(node.name, argv)));
  const r = await lab.provider.transport(node).run(argv, { nothrow: true, timeoutMs: 30_000 });
  return `${node.name} ${service}: ${`${r.stdout}${r.stderr}`.trim()}${signal === 'KILL' ? ' (kill -9)' : ''}`;
}

/** SIGKILL the worker process group of `service` on a node: a crash, no goodbye, its leases stay behind. */
export function killWorker(lab: Lab, nodeName: string, say: Say, service = 'worker-1'): Promise<string> {
  return signalWorker(lab, nodeOf(lab, nodeName), service, 'KILL', say);
}

/** Start one more worker as service `service` on a node, exactly as lab:crawl starts its workers (same item store). */
export async function addWorker(
  lab: Lab,
  nodeName: string,
  say: Say,
  service = 'worker-extra',
): Promise<string> {
  const node = nodeOf(lab, nodeName);
  const id = `${node.name}-extra`;
  const sink = await labItemSink(lab);
  const ref = { node, id, service };
  const { argv, env } = workerLaunch(lab, ref, sink);
  const envArgs = Object.entries(env).map(([k, v]) => `${k}=${redact(v)}`);
  say(shown(sshLine(node.name, ['env', ...envArgs, ...argv])));
  say(`  (*** is the lab's Redis password; the lab runs this in the background as service ${service})`);
  await startWorker(lab, ref, sink);
  const started = `${node.name}: worker ${id} started (service ${service}; log: npm run lab:logs -- ${node.name} ${service})`;
  // a worker starts in seconds on stand-ins, but node in an emulated VM can take a minute: wait until it
  // has joined the crawl (its first heartbeat) or ended, so what follows (crawl stats) sees it
  const joined = await waitForJoin(lab, ref);
  return `${started}\n${node.name}: worker ${id} ${joined ? 'joined the crawl' : 'has not joined the crawl yet (see its log)'}`;
}

/** True once worker `ref` has registered in the crawl, or its service has ended; false after `timeoutS`. */
async function waitForJoin(lab: Lab, ref: WorkerRef, timeoutS = 240): Promise<boolean> {
  const services = servicesOf(lab, lab.provider.transport(ref.node));
  return pollCrawl(
    lab,
    timeoutS,
    500,
    async (info) =>
      info.workers.some((w) => w.id === ref.id) || (await services.state(ref.service)).state !== 'running',
  );
}

/** SIGTERM every lab worker at once: each hands its leases back to the queue and exits 0. */
export async function stopWorkers(lab: Lab, say: Say): Promise<string[]> {
  // all nodes at once, so the crawl stops part-way instead of finishing while we go round
  const services = Array.from({ length: lab.config.crawl.workersPerNode }, (_, i) => `worker-${i + 1}`);
  const targets = lab.nodes.flatMap((node) => services.map((service) => ({ node, service })));
  for (const { node, service } of targets)
    say(shown(sshLine(node.name, signalArgv(servicesWhere(lab, node), service, 'TERM'))));
  return Promise.all(targets.map(({ node, service }) => signalWorker(lab, node, service, 'TERM', () => {})));
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
    // the workers' view: the master's address on the lab network (lesson 4's redis-cli -h from a worker)
    `export LAB_MASTER_IP=${quote(masterOf(lab).ip)}`,
  ];
  // redis.tls: the crawl CLI verifies Redis with the lab CA (redis-cli: --tls --cacert "$CRAWL_REDIS_CA")
  const ca = hostRedisCa(lab);
  if (ca) lines.push(`export CRAWL_REDIS_CA=${quote(ca)}`);
  // redis-cli logs in as the crawl's Redis user: --user "$LAB_REDIS_USER", the password from REDISCLI_AUTH
  if (!lab.config.redis.articleExact)
    lines.push(
      `export LAB_REDIS_USER=${quote(REDIS_CRAWLER_USER)}`,
      `export REDISCLI_AUTH=${quote(lab.secrets.redisPassword)}`,
    );
  return lines;
}
