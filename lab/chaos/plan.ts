/**
 * The chaos scenarios' fixed numbers, in one place. The fault durations are the
 * issue's (Redis down 10 s, MongoDB down 20 s, network cut 30 s); the rest keeps a
 * whole `lab:chaos -- all` run within a few minutes on a 2-CPU machine.
 */
export const CHAOS = Object.freeze({
  /** Redis stopped on the master for this long (issue 6). */
  redisDownMs: 10_000,
  /** Redis out of memory (maxmemory below its use, noeviction) for this long (issue 15 §7). */
  redisOomMs: 10_000,
  /** Redis's disk full (its append-only file cannot be written) for this long (issue 15 §7). */
  redisDiskFullMs: 10_000,
  /**
   * Size of the tmpfs Redis's folder is on during redis-disk-full, MB: room for
   * the crawl's append-only file and snapshot, and little to fill.
   */
  redisDiskMb: 32,
  /** MongoDB unreachable for this long (issue 6). */
  mongoDownMs: 20_000,
  /** worker1's network cut for this long (issue 6). */
  networkCutMs: 30_000,
  /**
   * Workers' leaseTimeout during chaos runs, seconds (the crawler's default is 30):
   * a dead or paused worker's leases return to the queue after this, so the
   * kill, restart and stall scenarios stay short. Passed as `--set leaseTimeout=`.
   */
  leaseTimeoutS: 15,
  /** A paused (SIGSTOP) worker stays paused this much longer than leaseTimeout. */
  stallBeyondLeaseMs: 5_000,
  /** Inject the fault once this share of the expected pages is fetched. */
  injectAt: 0.2,
  /** Recovered = the page rate is back to this share of the baseline's median rate. */
  recoveredRate: 0.5,
  /** Give up on a crawl after this long (it must finish by itself well before). */
  crawlTimeoutMs: 240_000,
  /** Service name of the worker added mid-crawl (add-worker). */
  extraService: 'worker-extra',
});

export const SCENARIOS = [
  'kill-worker',
  'restart-all',
  'redis-restart',
  'redis-oom',
  'redis-disk-full',
  'network-cut',
  'mongo-down',
  'add-worker',
  'stall-renewals',
] as const;

export type ScenarioName = (typeof SCENARIOS)[number];

export function isScenario(name: string): name is ScenarioName {
  return (SCENARIOS as readonly string[]).includes(name);
}
