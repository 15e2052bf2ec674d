import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  FILLER,
  fillDisk,
  freeDisk,
  leaveSmallDisk,
  persistenceOf,
  SMALL_DISK_SOURCE,
  smallDisk,
} from '../../../lab/chaos/redis-disk.ts';
import { LocalTransport } from '../../../provision/transports/local.ts';
import { waitFor } from '../../helpers/crawl-cli.ts';
import { startRedis, type TestRedis } from '../../helpers/redis.ts';

/**
 * lab:chaos redis-disk-full's fault mechanics (issue 15 §7), on this machine
 * with a real redis-server: its folder on a small tmpfs of its own, the tmpfs
 * filled to the last byte, then freed, then taken off with Redis's files kept
 * on the disk under it. Needs root (mount); skips and says so otherwise.
 */
const skip = process.getuid?.() === 0 ? false : 'needs root to mount a tmpfs';

const mountedSource = (dir: string) => {
  try {
    return execFileSync('findmnt', ['-n', '-o', 'SOURCE', '--mountpoint', dir], { encoding: 'utf8' }).trim();
  } catch {
    return ''; // findmnt exits 1: not a mount point
  }
};

const AOF = ['--appendonly', 'yes', '--appendfsync', 'everysec'];

test('Redis on a full small tmpfs fails its append-only file writes and refuses writes with MISCONF until the filler is deleted; the tmpfs comes off with its files kept', {
  skip,
  timeout: 60_000,
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'crawl-lab-redis-disk-'));
  writeFileSync(join(dir, 'kept'), 'a file that was there before');
  const host = new LocalTransport({ name: 'host', role: 'master', ip: '127.0.0.1', memoryMb: 0, cpus: 0 });
  const servers: TestRedis[] = [];
  t.after(async () => {
    for (const s of servers) await s.stop();
    await leaveSmallDisk(host, dir).catch(() => {});
    if (mountedSource(dir)) execFileSync('umount', ['-l', dir]);
    rmSync(dir, { recursive: true, force: true });
  });

  await smallDisk(host, dir, 4);
  assert.equal(mountedSource(dir), SMALL_DISK_SOURCE);
  assert.ok(existsSync(join(dir, 'kept')), 'the folder keeps its files on the tmpfs');
  await assert.rejects(smallDisk(host, dir, 4), /is a mount point already/, 'never mounted twice');

  const redis = await startRedis([...AOF, '--dir', dir]);
  servers.push(redis);
  const admin = redis.client();
  const persistence = async () => persistenceOf(await admin.info('persistence'));
  await admin.set('before', '1');
  assert.equal((await persistence()).aofLastWrite, 'ok');

  const full = await fillDisk(host, dir);
  assert.equal(full.sizeBytes, 4 * 1024 * 1024);
  assert.equal(full.freeBytes, 0);
  assert.ok(full.filledBytes > 3 * 1024 * 1024, JSON.stringify(full));
  assert.ok(existsSync(join(dir, FILLER)));
  // the append-only file's last page may still have room: a write bigger than a page cannot fit
  await admin.set('overflow', 'x'.repeat(8192)).catch(() => {});
  await waitFor(
    async () => (await persistence()).aofLastWrite === 'err',
    10_000,
    'a failed append-only file write',
  );
  await assert.rejects(
    admin.set('refused', '1'),
    /MISCONF Errors writing to the AOF file: No space left on device/,
    'writes refused while the disk is full',
  );
  assert.equal(await admin.get('before'), '1', 'reads still answered');

  const freed = await freeDisk(host, dir);
  assert.ok(freed.freeBytes > 3 * 1024 * 1024, JSON.stringify(freed));
  // Redis retries the write once a second by itself
  await waitFor(
    async () => (await persistence()).aofLastWrite === 'ok',
    10_000,
    'the append-only file written again',
  );
  assert.equal(await admin.set('after', '1'), 'OK');

  admin.disconnect();
  // a clean stop: the append-only file fsynced (redis-cli returns once the server has closed)
  execFileSync('redis-cli', ['-p', String(redis.port), 'shutdown']);
  await redis.stop();
  assert.equal(await leaveSmallDisk(host, dir), true);
  assert.equal(mountedSource(dir), '', 'the tmpfs is off');
  assert.equal(await leaveSmallDisk(host, dir), false, 'a second time does nothing');
  assert.deepEqual(readdirSync(dir).sort(), ['appendonlydir', 'kept'], 'no filler left behind');

  // Redis's files were kept on the disk: a new server reads every write it acknowledged back
  const again = await startRedis([...AOF, '--dir', dir]);
  servers.push(again);
  const c = again.client();
  assert.deepEqual(await c.mget('before', 'overflow', 'after', 'refused'), [
    '1',
    'x'.repeat(8192),
    '1',
    null,
  ]);
});
