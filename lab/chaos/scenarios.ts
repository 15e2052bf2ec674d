import { type Lab, masterOf, servicesOf } from '../../provision/lab.ts';
import type { ItemSink } from '../items/sink.ts';
import { startWorker, type WorkerRef, workersOf } from '../runner/workers.ts';
import { chaosSettings, extraWorker } from './driver.ts';
import { hostLinkOf, mongoService, redisAdmin, redisService, setLink, signalWorker } from './faults.ts';
import { CHAOS, type ScenarioName } from './plan.ts';
import { redisDiskFull } from './redis-disk-full.ts';

/**
 * One fault each. `inject` starts when the crawl is a fifth done and resolves
 * when the fault is over (the cable plugged back in, the process resumed):
 * recovery is measured from then. It restores what it broke even when it
 * fails half-way.
 */
export interface FaultContext {
  lab: Lab;
  say: (line: string) => void;
  /** Wait for a worker started mid-crawl like for the others. */
  addWorker: (w: WorkerRef) => void;
  /** Where this run's workers store items (a worker started mid-crawl uses the same). */
  sink: ItemSink;
}

export interface Scenario {
  name: ScenarioName;
  /** One line for the report and --help. */
  fault: string;
  /** Why it cannot run in this lab, or undefined. */
  pending?: (lab: Lab, sink: ItemSink) => string | undefined;
  /** Workers allowed to end with a non-zero exit (the one killed on purpose). */
  killed?: (lab: Lab) => string[];
  /**
   * Sets the lab up for the fault before the crawl, which is reset after it (Redis
   * may restart here); returns what undoes it, run after the crawl whatever happened.
   */
  prepare?: (ctx: Pick<FaultContext, 'lab' | 'say'>) => Promise<() => Promise<void>>;
  /** Undoes what a run interrupted before its restore (Ctrl-C) left behind; lab:chaos runs it before the baseline. */
  heal?: (ctx: Pick<FaultContext, 'lab' | 'say'>) => Promise<void>;
  inject: (ctx: FaultContext) => Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The first worker on the first worker-role node ("worker1" in the article's lab). */
function victim(lab: Lab): WorkerRef {
  const all = workersOf(lab);
  return all.find((w) => w.node.role === 'worker') ?? all[0]!;
}

const t = (lab: Lab, w: WorkerRef) => lab.provider.transport(w.node);

const killWorker: Scenario = {
  name: 'kill-worker',
  fault: 'kill -9 the worker on worker1 mid-crawl; it stays dead',
  killed: (lab) => [victim(lab).id],
  async inject({ lab, say }) {
    const w = victim(lab);
    say(`kill -9 ${w.id} on ${w.node.name}`);
    await signalWorker(t(lab, w), w.service, 'KILL');
  },
};

const restartAll: Scenario = {
  name: 'restart-all',
  fault: 'kill -9 every worker, then start them again on the persisted queue (lab:crawl --resume)',
  async inject({ lab, say, sink }) {
    const all = workersOf(lab);
    say(`kill -9 all ${all.length} workers`);
    await Promise.all(all.map((w) => signalWorker(t(lab, w), w.service, 'KILL')));
    await sleep(2000);
    say('starting them again (resume: queue, fingerprints and leases stay in Redis)');
    // as lab:crawl --resume does: stop (clears the pidfile; the killed process may linger as a zombie), then start
    await Promise.all(
      all.map(async (w) => {
        await servicesOf(lab, t(lab, w)).stop(w.service);
        await startWorker(lab, w, sink, { settings: chaosSettings() });
      }),
    );
  },
};

const redisRestart: Scenario = {
  name: 'redis-restart',
  fault: `stop the master's Redis for ${CHAOS.redisDownMs / 1000} s, then start it`,
  async inject({ lab, say }) {
    const master = lab.nodes.find((n) => n.role === 'master')!;
    const tr = lab.provider.transport(master);
    say(`service redis-server stop on ${master.name}`);
    await redisService(tr, 'stop');
    try {
      await sleep(CHAOS.redisDownMs);
    } finally {
      say('service redis-server start');
      await redisService(tr, 'start');
    }
  },
};

/** What a worker logs while Redis refuses writes (crawler/errors.ts CRAWL_E_REDIS_OOM). */
const OOM_SAID = /Redis is out of memory .* refuses writes/;

const redisOom: Scenario = {
  name: 'redis-oom',
  fault: `Redis out of memory for ${CHAOS.redisOomMs / 1000} s (CONFIG SET maxmemory 1, policy noeviction: every write refused with OOM), then the old limit back`,
  async inject({ lab, say }) {
    const [, before = '0'] = (await redisAdmin(lab, ['config', 'get', 'maxmemory'])).split('\n');
    const [, policy = ''] = (await redisAdmin(lab, ['config', 'get', 'maxmemory-policy'])).split('\n');
    say(`CONFIG SET maxmemory 1 on ${masterOf(lab).name} (was ${before}, policy ${policy})`);
    await redisAdmin(lab, ['config', 'set', 'maxmemory-policy', 'noeviction']);
    await redisAdmin(lab, ['config', 'set', 'maxmemory', '1']);
    let silent: string[] = [];
    try {
      await sleep(CHAOS.redisOomMs);
      // while the fault lasts every worker must have said why it waits (the crawler's CRAWL_E_REDIS_OOM line)
      const logs = await Promise.all(
        workersOf(lab).map(async (w) => ({ w, log: await servicesOf(lab, t(lab, w)).log(w.service, 400) })),
      );
      silent = logs.filter(({ log }) => !OOM_SAID.test(log)).map(({ w }) => w.id);
      say(
        `${logs.length - silent.length} of ${logs.length} workers said Redis is out of memory and they wait`,
      );
    } finally {
      say(`CONFIG SET maxmemory ${before} (and maxmemory-policy ${policy})`);
      await redisAdmin(lab, ['config', 'set', 'maxmemory', before]);
      if (policy) await redisAdmin(lab, ['config', 'set', 'maxmemory-policy', policy]);
    }
    if (silent.length > 0)
      throw new Error(`no out-of-memory message from ${silent.join(', ')} while Redis refused writes`);
  },
};

const networkCut: Scenario = {
  name: 'network-cut',
  fault: `cut worker1's network for ${CHAOS.networkCutMs / 1000} s (host end of its link down), then restore it`,
  async inject({ lab, say }) {
    const w = victim(lab);
    const dev = await hostLinkOf(t(lab, w));
    say(`ip link set dev ${dev} down (${w.node.name} is cut off)`);
    await setLink(dev, 'down');
    try {
      await sleep(CHAOS.networkCutMs);
    } finally {
      say(`ip link set dev ${dev} up`);
      await setLink(dev, 'up');
    }
  },
};

const mongoDown: Scenario = {
  name: 'mongo-down',
  fault: `stop the master's MongoDB for ${CHAOS.mongoDownMs / 1000} s, then start it (workers hold their items and retry)`,
  // with the JSON-lines fallback there is no MongoDB to stop: say so instead of faking a pass
  pending: (_lab, sink) =>
    sink.kind === 'mongodb' ? undefined : `needs MongoDB in the lab (items go to JSON lines: ${sink.why})`,
  async inject({ lab, say }) {
    say(`stop MongoDB on ${masterOf(lab).name} (the process ends, its data stays)`);
    await mongoService(lab, 'stop');
    try {
      await sleep(CHAOS.mongoDownMs);
    } finally {
      say('start MongoDB again');
      await mongoService(lab, 'start');
    }
  },
};

const addWorker: Scenario = {
  name: 'add-worker',
  fault: 'start a fourth worker (a second process on worker2) mid-crawl',
  async inject({ lab, say, addWorker: add, sink }) {
    const node = lab.nodes.filter((n) => n.role === 'worker').at(-1) ?? lab.nodes[0]!;
    const w = extraWorker(lab, node.name);
    say(`starting ${w.id} on ${node.name}`);
    add(w);
    await startWorker(lab, w, sink, { settings: chaosSettings() });
  },
};

const stallRenewals: Scenario = {
  name: 'stall-renewals',
  fault: `SIGSTOP the worker on worker1 for leaseTimeout + ${CHAOS.stallBeyondLeaseMs / 1000} s, then SIGCONT`,
  async inject({ lab, say }) {
    const w = victim(lab);
    const ms = CHAOS.leaseTimeoutS * 1000 + CHAOS.stallBeyondLeaseMs;
    say(`kill -STOP ${w.id} for ${ms / 1000} s (its leases expire after ${CHAOS.leaseTimeoutS} s)`);
    await signalWorker(t(lab, w), w.service, 'STOP');
    try {
      await sleep(ms);
    } finally {
      say(`kill -CONT ${w.id}`);
      await signalWorker(t(lab, w), w.service, 'CONT');
    }
  },
};

export const SCENARIO_LIST: readonly Scenario[] = [
  killWorker,
  restartAll,
  redisRestart,
  redisOom,
  redisDiskFull,
  networkCut,
  mongoDown,
  addWorker,
  stallRenewals,
];

export function scenarioNamed(name: ScenarioName): Scenario {
  return SCENARIO_LIST.find((s) => s.name === name)!;
}
