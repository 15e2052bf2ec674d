import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fillDisk, freeDisk, persistenceOf, smallDisk } from '../../../lab/chaos/redis-disk.ts';
import { LocalTransport } from '../../../provision/transports/local.ts';
import { waitFor } from '../../helpers/crawl-cli.ts';
import type { startRedis } from '../../helpers/redis.ts';
import { crawlThroughFault } from '../../helpers/ride-through.ts';
import { rootSkip } from '../../provision/netns-support.ts';

/**
 * Issue 15 §7: Redis that cannot write its data to disk (a full disk) refuses
 * every write with MISCONF, for as long as its last save failed. A worker rides
 * it through as it rides Redis out of memory: it says why once, with the fix,
 * waits, and finishes when Redis takes writes again; nothing lost, nothing
 * fetched twice. The failing save is real: the snapshot's file name is taken by
 * a directory, so Redis's rename fails (the effect a full disk has), and
 * removing it lets the next BGSAVE succeed.
 */
async function lastSave(admin: ReturnType<Awaited<ReturnType<typeof startRedis>>['client']>) {
  let info = '';
  await waitFor(
    async () => {
      info = await admin.info('persistence');
      return /rdb_bgsave_in_progress:0/.test(info);
    },
    20_000,
    'the background save to end',
  );
  return /rdb_last_bgsave_status:(\w+)/.exec(info)?.[1];
}

test('a worker rides through Redis refusing writes with MISCONF (its snapshot cannot be written) for 3 s, says why with the disk hint, and crawls every page once', {
  timeout: 90_000,
}, async (t) => {
  const r = await crawlThroughFault(t, 'misconf', async (admin) => {
    // the snapshot cannot be written: its file name is a non-empty directory
    const dir = String((await admin.config('GET', 'dir'))[1]);
    const blocked = join(dir, String((await admin.config('GET', 'dbfilename'))[1]));
    mkdirSync(blocked);
    writeFileSync(join(blocked, 'keep'), '');
    await admin.config('SET', 'save', '3600 1');
    await admin.bgsave();
    assert.equal(await lastSave(admin), 'err', 'the save failed');
    await assert.rejects(admin.set('misconf:probe', '1'), /MISCONF/, 'Redis refuses writes now');
    await sleep(3000);
    // room again: the next save succeeds and Redis takes writes
    rmSync(blocked, { recursive: true, force: true });
    await admin.bgsave();
    assert.equal(await lastSave(admin), 'ok');
  });
  assert.match(r.stderr, /Redis cannot write its data to disk \(.*\) and refuses writes/);
  assert.match(r.stderr, /fix: .*free disk space .*df -h \/var\/lib\/redis/);
  assert.equal(
    r.stderr.match(/Redis cannot write its data to disk/g)?.length,
    1,
    `said once per episode:\n${r.stderr.slice(-4000)}`,
  );
});

/**
 * The same through Redis's own append-only file on a full disk (lab:chaos
 * redis-disk-full's fault on this machine): Redis's folder is a 4 MB tmpfs,
 * filled to the last byte mid-crawl. Redis 7 fails the write (ENOSPC) and
 * refuses writes with "MISCONF Errors writing to the AOF file: No space left
 * on device" until a retry succeeds, once a second, after the filler is gone.
 */
test('a worker rides through Redis refusing writes because its append-only file cannot be written (a full tmpfs) for 3 s, says why, and crawls every page once', {
  skip: rootSkip('needs root to mount a tmpfs'),
  timeout: 90_000,
}, async (t) => {
  // the tmpfs, the filler and their undo are lab:chaos redis-disk-full's own (lab/chaos/redis-disk.ts)
  const dir = mkdtempSync(join(tmpdir(), 'crawl-lab-aof-full-'));
  const host = new LocalTransport({ name: 'host', role: 'master', ip: '127.0.0.1', memoryMb: 0, cpus: 0 });
  await smallDisk(host, dir, 4);
  t.after(async () => {
    execFileSync('umount', ['-l', dir]); // lazy: the server may still be stopping
    rmSync(dir, { recursive: true, force: true });
  });
  const aofStatus = async (admin: Parameters<Parameters<typeof crawlThroughFault>[2]>[0]) =>
    persistenceOf(await admin.info('persistence')).aofLastWrite;
  const r = await crawlThroughFault(
    t,
    'aoffull',
    async (admin) => {
      const full = await fillDisk(host, dir);
      assert.equal(full.freeBytes, 0, 'the 4 MB disk is full');
      // the append-only file's last page may still have room: a write bigger than a page cannot fit
      await admin.set('aoffull:overflow', 'x'.repeat(8192)).catch(() => {});
      await waitFor(
        async () => (await aofStatus(admin)) === 'err',
        20_000,
        'a failed append-only file write',
      );
      await assert.rejects(
        admin.set('aoffull:probe', '1'),
        /MISCONF Errors writing to the AOF file: No space left on device/,
        'Redis refuses writes now',
      );
      await sleep(3000);
      await freeDisk(host, dir);
      await waitFor(
        async () => (await aofStatus(admin)) === 'ok',
        20_000,
        'the append-only file written again',
      );
    },
    ['--appendonly', 'yes', '--appendfsync', 'everysec', '--dir', dir],
  );
  assert.match(
    r.stderr,
    /Redis cannot write its data to disk \(Errors writing to the AOF file: No space left on device\) and refuses writes/,
  );
  assert.match(r.stderr, /fix: .*free disk space .*writes its append-only file again within a second/);
  assert.equal(
    r.stderr.match(/Redis cannot write its data to disk/g)?.length,
    1,
    `said once per episode:\n${r.stderr.slice(-4000)}`,
  );
});
