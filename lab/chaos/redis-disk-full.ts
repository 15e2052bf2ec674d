import { CrawlError } from '../../common/errors.ts';
import { type Lab, masterOf, servicesOf } from '../../provision/lab.ts';
import { workersOf } from '../runner/workers.ts';
import { redisAdmin, redisService } from './faults.ts';
import { CHAOS } from './plan.ts';
import {
  FILLER,
  fillDisk,
  freeDisk,
  leaveSmallDisk,
  onSmallDisk,
  persistenceOf,
  smallDisk,
} from './redis-disk.ts';
import type { Scenario } from './scenarios.ts';

/**
 * Issue 15 §7: Redis's disk full while it writes its append-only file. For the
 * run Redis's folder is on a small tmpfs of its own (prepare: two clean Redis
 * restarts outside the crawl); mid-crawl a file fills it to the last byte for
 * CHAOS.redisDiskFullMs, then goes. Redis 7 (appendfsync everysec) fails the
 * next AOF write with ENOSPC and refuses every write with `MISCONF Errors
 * writing to the AOF file: No space left on device` until a retry (once a
 * second) succeeds; a snapshot due meanwhile fails too.
 */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** What a worker logs while Redis refuses writes for want of disk (crawler/errors.ts CRAWL_E_REDIS_MISCONF). */
const DISK_SAID = /Redis cannot write its data to disk \((.*)\) and refuses writes/;

async function redisDir(lab: Lab): Promise<string> {
  const [, dir = ''] = (await redisAdmin(lab, ['config', 'get', 'dir'])).split('\n');
  return dir;
}

/** Redis answers PING (on stand-ins the init script returns before it listens). */
async function redisAnswers(lab: Lab, ms = 60_000): Promise<void> {
  const until = Date.now() + ms;
  while ((await redisAdmin(lab, ['ping']).catch(() => '')) !== 'PONG') {
    if (Date.now() > until)
      throw new CrawlError(
        'CRAWL_E_PROVISION',
        `Redis on ${masterOf(lab).name} did not answer after a start`,
        {
          hint: `see its log on the master (/var/log/redis/redis-server.log: npm run lab:ssh -- ${masterOf(lab).name}); npm run lab:up starts it again`,
        },
      );
    await sleep(200);
  }
}

/** Stop Redis cleanly (its files written), change its folder, start it whatever happened. */
async function withRedisStopped(lab: Lab, change: () => Promise<unknown>): Promise<void> {
  const t = lab.provider.transport(masterOf(lab));
  await redisService(t, 'stop');
  try {
    await change();
  } finally {
    await redisService(t, 'start');
    await redisAnswers(lab);
  }
}

export const redisDiskFull: Scenario = {
  name: 'redis-disk-full',
  fault: `Redis's disk full for ${CHAOS.redisDiskFullMs / 1000} s: its folder on a ${CHAOS.redisDiskMb} MB tmpfs for the run, filled by a file (append-only file writes fail, writes refused with MISCONF), then the file deleted`,
  pending: (lab) => {
    if (lab.machine === 'local' || lab.provider.noRootSteps)
      return "needs root on the master to put Redis's folder on a small tmpfs (netns stand-ins run as root, VMs); this lab's nodes are processes of this machine without root";
    if (lab.config.redis.articleExact)
      return "needs Redis's append-only file (redis.article_exact: true leaves appendonly off)";
    return undefined;
  },
  async heal({ lab, say }) {
    const t = lab.provider.transport(masterOf(lab));
    const dir = await redisDir(lab);
    // interrupted (Ctrl-C) mid-fault or before its undo: the filler and the tmpfs are still there
    await freeDisk(t, dir);
    if (!(await onSmallDisk(t, dir))) return;
    say(
      `${dir} is still on the tmpfs of an interrupted redis-disk-full run: back onto ${masterOf(lab).name}'s disk`,
    );
    await withRedisStopped(lab, () => leaveSmallDisk(t, dir));
  },
  async prepare({ lab, say }) {
    const t = lab.provider.transport(masterOf(lab));
    const dir = await redisDir(lab);
    say(
      `${dir} onto a ${CHAOS.redisDiskMb} MB tmpfs of its own on ${masterOf(lab).name} (service redis-server stop, copy, start)`,
    );
    await withRedisStopped(lab, () => smallDisk(t, dir, CHAOS.redisDiskMb));
    return async () => {
      say(`${dir} back onto ${masterOf(lab).name}'s disk (service redis-server stop, copy back, start)`);
      await withRedisStopped(lab, () => leaveSmallDisk(t, dir));
    };
  },
  async inject({ lab, say }) {
    const master = masterOf(lab);
    const t = lab.provider.transport(master);
    const dir = await redisDir(lab);
    const started = Date.now();
    const full = await fillDisk(t, dir);
    say(
      `dd if=/dev/zero of=${dir}/${FILLER} on ${master.name}: ${mb(full.filledBytes)} written, the ${mb(full.sizeBytes)} disk is full (${full.freeBytes} bytes free)`,
    );
    const problems: string[] = [];
    try {
      // the next AOF write fails (the file's last page may have had room for a few more commands)
      let p = persistenceOf('');
      while (Date.now() < started + CHAOS.redisDiskFullMs) {
        p = persistenceOf(await redisAdmin(lab, ['info', 'persistence']));
        if (p.aofLastWrite === 'err') break;
        await sleep(250);
      }
      say(
        `INFO persistence: aof_last_write_status:${p.aofLastWrite} rdb_last_bgsave_status:${p.rdbLastSave}${p.aofLastWrite === 'err' ? ': Redis refuses writes (MISCONF) until it writes its append-only file again' : ''}`,
      );
      if (p.aofLastWrite !== 'err')
        problems.push('Redis never failed an append-only file write while its disk was full');
      await sleep(Math.max(0, started + CHAOS.redisDiskFullMs - Date.now()));
      // while the fault lasts every worker must have said why it waits (the crawler's CRAWL_E_REDIS_MISCONF line)
      const said = await Promise.all(
        workersOf(lab).map(async (w) => {
          const log = await servicesOf(lab, lab.provider.transport(w.node)).log(w.service, 400);
          return { w, why: DISK_SAID.exec(log)?.[1] };
        }),
      );
      const silent = said.filter((s) => s.why === undefined).map((s) => s.w.id);
      const first = said.find((s) => s.why !== undefined);
      say(
        `${said.length - silent.length} of ${said.length} workers said Redis cannot write its data to disk${first ? ` (${first.why})` : ''} and they wait`,
      );
      if (silent.length > 0)
        problems.push(`no disk-full message from ${silent.join(', ')} while Redis refused writes`);
    } finally {
      const free = await freeDisk(t, dir);
      say(
        `rm ${dir}/${FILLER}: ${mb(free.freeBytes)} free again (Redis retries its append-only file every second)`,
      );
    }
    if (problems.length > 0) throw new Error(problems.join('; '));
  },
};
