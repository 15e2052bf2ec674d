import assert from 'node:assert/strict';
import { readlinkSync } from 'node:fs';
import { test } from 'node:test';
import { cacheDir } from '../../provision/lab-env.ts';
import { NetnsProvider } from '../../provision/providers/netns/provider.ts';
import { leftovers, node, pidsWith, rootSkip } from './netns-support.ts';

// Lab "t4r" on 10.213.42.0/24. The Debian cache is shared with lab:up and built once
// (about 40-75 s the first time); later runs only copy it per node.
const labId = 't4r';
const stateDir = `/var/tmp/crawl-lab-test-${labId}`;
const rootfs = { cacheDir: cacheDir(), mirror: 'http://deb.debian.org/debian', suite: 'bookworm' };
const nodes = [node('master', '10.213.42.10', 'master'), node('worker1', '10.213.42.11')];
const skip = rootSkip('needs root (debootstrap, chroot, namespaces): run as root, as CI does');

/** A Redis PING over bash's /dev/tcp, so the worker needs no redis-cli. */
const PING = ['bash', '-c', 'exec 3<>/dev/tcp/10.213.42.10/6379 && printf "PING\\r\\n" >&3 && head -c 5 <&3'];

test("a Debian node runs the article's Redis provisioning for real and a worker reaches it only after the edits", {
  skip,
  timeout: 300_000,
}, async (t) => {
  const provider = new NetnsProvider({ labId, stateDir, rootfs });
  t.after(() => provider.destroy(nodes));
  await provider.up(nodes);
  const master = provider.transport(nodes[0]!);
  const worker = provider.transport(nodes[1]!);

  assert.equal((await master.run(['hostname'])).stdout.trim(), 'master');
  assert.match((await worker.run(['cat', '/etc/os-release'])).stdout, /bookworm/);
  assert.match((await worker.run(['getent', 'hosts', 'master'])).stdout, /10\.213\.42\.10/);
  assert.match(
    (await master.run(['cat', '/proc/1/cmdline'])).stdout,
    /crawl-lab-pid1/,
    'the node has its own PID 1',
  );
  // an orphan (its parent exits at once) is adopted by the node's PID 1, which must reap it when it ends;
  // a zombie keeps its /proc entry (State: Z) until reaped, so wait for the entry to go, with a generous deadline
  const orphan = (await master.run(['sh', '-c', 'sleep 0.2 >/dev/null 2>&1 & echo $!'])).stdout.trim();
  assert.match(orphan, /^\d+$/);
  let state = '';
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
    // minbase has no ps: read the node's /proc
    state = (
      await master.run(['sh', '-c', `grep '^State:' /proc/${orphan}/status 2>/dev/null || echo gone`])
    ).stdout.trim();
    if (state === 'gone') break;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.equal(
    state,
    'gone',
    `the orphan ${orphan} is still there (${state}): PID 1 must reap ended orphans`,
  );

  // apt needs the internet, which the node has not: `internet` runs it from the host's network (docs/providers.md)
  await master.run(['apt-get', 'install', '-y', '--no-install-recommends', 'redis-server'], {
    internet: true,
    env: { DEBIAN_FRONTEND: 'noninteractive' },
    timeoutMs: 180_000,
  });
  const offline = await master.run(['apt-get', 'update'], { nothrow: true, timeoutMs: 60_000 });
  assert.notEqual(offline.exitCode + offline.stderr.length, 0);
  assert.match(
    offline.stdout + offline.stderr,
    /Temporary failure resolving|Could not resolve|unreachable|Failed to fetch/i,
    'without it the node has no way out',
  );

  await master.script('service redis-server start\n');
  const stock = await worker.run(PING, { nothrow: true });
  assert.notEqual(stock.exitCode, 0, 'the distro config binds loopback only');
  assert.match(stock.stderr, /refused/);

  await master.script(
    "sed -i -e 's/^bind 127.0.0.1 -::1/# &/' -e 's/^protected-mode yes/protected-mode no/' /etc/redis/redis.conf\nservice redis-server restart\n",
  );
  let reply = '';
  for (let i = 0; i < 50 && reply !== '+PONG'; i++)
    reply = (await worker.run(PING, { nothrow: true })).stdout.trim();
  assert.equal(reply, '+PONG');
  assert.equal(
    pidsWith('redis-server').filter((p) => isIn(p, stateDir)).length,
    1,
    'Redis outlived the script that started it',
  );

  await provider.destroy(nodes);
  assert.deepEqual(leftovers(labId, stateDir), []);
  assert.deepEqual(
    pidsWith('redis-server').filter((p) => isIn(p, stateDir)),
    [],
  );
});

/** Is this host process running inside a root filesystem under `dir`? */
function isIn(pid: number, dir: string): boolean {
  try {
    return readlinkSync(`/proc/${pid}/root`).startsWith(dir);
  } catch {
    return false;
  }
}
