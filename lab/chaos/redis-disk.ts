import { CrawlError } from '../../common/errors.ts';
import type { Transport } from '../../provision/types.ts';

/**
 * Redis's disk full, for real (issue 15 §7, scenario redis-disk-full). For the
 * run, Redis's folder (its `dir`: the append-only file and the RDB snapshot)
 * is a small tmpfs of its own holding a copy of its files; the fault fills it
 * with a file and deletes the file. Redis is stopped while the tmpfs goes on
 * and comes off (`smallDisk`, `leaveSmallDisk`); filling and freeing happen
 * while it runs. Values reach bash as positional arguments only. A tmpfs, not
 * a loop device: nothing of it outlives the node's mount namespace.
 */

/** The tmpfs's source name: how `leaveSmallDisk` knows the mount is ours. */
export const SMALL_DISK_SOURCE = 'crawl-lab-redis-disk';
/** The file that fills the disk, in Redis's folder. */
export const FILLER = 'crawl-lab-disk-full';

/** Mount a tmpfs of `mb` MB over `dir` holding a copy of its files, same owner and mode (Redis stopped). */
const SMALL_DISK = `
dir=$1; mb=$2; source=$3
if mountpoint -q "$dir"; then echo "$dir is a mount point already" >&2; exit 3; fi
stage=$(mktemp -d)
trap 'umount "$stage" 2>/dev/null || true; rmdir "$stage"' EXIT
mount -t tmpfs -o "size=\${mb}m" "$source" "$stage"
cp -a "$dir/." "$stage/"
chown --reference="$dir" "$stage"
chmod --reference="$dir" "$stage"
mount --bind "$stage" "$dir"`;

/**
 * Our tmpfs off `dir` again, its files (without a filler left behind) copied
 * back onto the disk under it in place of the old ones (Redis stopped). Does
 * nothing when `dir` is not our tmpfs.
 */
const LEAVE_SMALL_DISK = `
dir=$1; source=$2; filler=$3
[ "$(findmnt -n -o SOURCE --mountpoint "$dir" || true)" = "$source" ] || exit 0
rm -f "$dir/$filler"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
cp -a "$dir/." "$stage/"
umount "$dir"
find "$dir" -mindepth 1 -delete
cp -a "$stage/." "$dir/"
echo left`;

/** Write zeros into `dir/filler` until the disk is full; print the disk's size, what was free before and what is free now. */
const FILL = `
dir=$1; filler=$2
before=$(df -B1 --output=avail "$dir" | tail -n 1)
if err=$(dd if=/dev/zero of="$dir/$filler" bs=64k 2>&1); then echo "dd ended without filling $dir" >&2; exit 3; fi
case $err in *'No space left on device'*) ;; *) echo "$err" >&2; exit 4 ;; esac
echo "$(df -B1 --output=size "$dir" | tail -n 1) $before $(df -B1 --output=avail "$dir" | tail -n 1)"`;

const FREE = `
dir=$1; filler=$2
rm -f "$dir/$filler"
df -B1 --output=size,avail "$dir" | tail -n 1`;

export interface DiskSpace {
  sizeBytes: number;
  freeBytes: number;
}

async function bash(t: Transport, what: string, script: string, args: readonly string[]): Promise<string> {
  const r = await t.run(['bash', '-euo', 'pipefail', '-c', script, 'redis-disk', ...args], {
    nothrow: true,
    timeoutMs: 60_000,
  });
  if (r.exitCode !== 0)
    throw new CrawlError(
      'CRAWL_E_PROVISION',
      `cannot ${what} on ${t.node.name} (exit ${r.exitCode}): ${r.stderr.trim()}`,
      {
        hint: `needs root on the node and a Redis folder that is not a mount point already; look at it with findmnt and df -h (npm run lab:ssh -- ${t.node.name})`,
      },
    );
  return r.stdout.trim();
}

function space(line: string): DiskSpace {
  const [size = NaN, free = NaN] = line.trim().split(/\s+/).map(Number);
  return { sizeBytes: size, freeBytes: free };
}

/** Redis's folder `dir` onto a tmpfs of `mb` MB (a copy of its files). Run while Redis is stopped. */
export async function smallDisk(t: Transport, dir: string, mb: number): Promise<void> {
  await bash(t, `put ${dir} on a ${mb} MB tmpfs`, SMALL_DISK, [dir, String(mb), SMALL_DISK_SOURCE]);
}

/** Whether `dir` is on our tmpfs (a run of redis-disk-full in progress, or one interrupted before its undo). */
export async function onSmallDisk(t: Transport, dir: string): Promise<boolean> {
  const r = await t.run(['findmnt', '-n', '-o', 'SOURCE', '--mountpoint', dir], { nothrow: true });
  return r.stdout.trim() === SMALL_DISK_SOURCE;
}

/** The tmpfs off `dir`, its files kept on the disk; false when `dir` was not on our tmpfs. Run while Redis is stopped. */
export async function leaveSmallDisk(t: Transport, dir: string): Promise<boolean> {
  const out = await bash(t, `take ${dir} off its tmpfs`, LEAVE_SMALL_DISK, [dir, SMALL_DISK_SOURCE, FILLER]);
  return out === 'left';
}

/** Fill the disk under `dir` to the last byte; `filledBytes`: what the filler took (what was free). */
export async function fillDisk(t: Transport, dir: string): Promise<DiskSpace & { filledBytes: number }> {
  const [size = '', before = '', after = ''] = (
    await bash(t, `fill the disk of ${dir}`, FILL, [dir, FILLER])
  ).split(/\s+/);
  return { ...space(`${size} ${after}`), filledBytes: Number(before) - Number(after) };
}

/** Delete the filler again. */
export async function freeDisk(t: Transport, dir: string): Promise<DiskSpace> {
  return space(await bash(t, `free the disk of ${dir}`, FREE, [dir, FILLER]));
}

/** What INFO persistence says of the last append-only file write and the last snapshot. */
export interface Persistence {
  aofEnabled: boolean;
  /** 'ok' or 'err' (a write to the append-only file failed; Redis refuses writes until one succeeds) */
  aofLastWrite: string;
  /** 'ok' or 'err' (the last snapshot failed; with stop-writes-on-bgsave-error Redis refuses writes) */
  rdbLastSave: string;
  /** An append-only file rewrite runs or waits for a snapshot to end. */
  aofRewriting: boolean;
  /** 'ok' or 'err': the last append-only file rewrite. */
  aofLastRewrite: string;
}

export function persistenceOf(info: string): Persistence {
  const field = (name: string) => new RegExp(`^${name}:(\\S*)`, 'm').exec(info)?.[1] ?? '';
  return {
    aofEnabled: field('aof_enabled') === '1',
    aofLastWrite: field('aof_last_write_status'),
    rdbLastSave: field('rdb_last_bgsave_status'),
    aofRewriting: field('aof_rewrite_in_progress') === '1' || field('aof_rewrite_scheduled') === '1',
    aofLastRewrite: field('aof_last_bgrewrite_status'),
  };
}
