import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  chownSync,
  existsSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ensureDist } from '../../lab/build/dist.ts';
import { tempLab, threeNodeYaml } from '../helpers/netns-lab.ts';
import { AS_NOBODY, assertCrawlSummary, isRoot, runAsNobody } from './netns-support.ts';

/**
 * The netns provider WITHOUT root: three stand-in hosts inside one
 * unprivileged user namespace, on the host's filesystem. Every lab command
 * runs as `nobody` (as root, via setpriv; as another user, as that user) and
 * enters the lab's namespace by itself. dist/ is built first, as root, like
 * local-lab-e2e does (nobody cannot write the repository).
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NET = '10.57.11';

function userNamespacesWork(): string | undefined {
  const [file, ...args] = [...AS_NOBODY, 'unshare', '--user', '--map-root-user', '--net', 'true'];
  try {
    execFileSync(file!, args, { stdio: 'pipe' });
    return undefined;
  } catch (error) {
    return `unprivileged user namespaces are not available here (${String(error).split('\n')[0]})`;
  }
}

const skip =
  process.env['CI'] === 'true'
    ? false
    : process.platform !== 'linux'
      ? 'network namespaces are Linux only'
      : (userNamespacesWork() ?? false);

const run = (argv: string[], env: NodeJS.ProcessEnv) => runAsNobody(argv, env, 180_000);

const lab = (path: string) => JSON.stringify(join(ROOT, path));

/** lab:up (without the dist/ build) plus probes of the nodes before and after the Redis steps. */
const UP = `
import { runLabCommand } from ${lab('lab/commands/run-command.ts')};
import { labUp, openLab } from ${lab('provision/lab.ts')};
await runLabCommand({ name: 'up', usage: 'up.mjs: lab:up plus probes', run: async () => {
  const lab = await openLab({ log: (l) => console.error(l) });
  const [master, worker] = [lab.nodes[0], lab.nodes[1]];
  const t = (n) => lab.provider.transport(n);
  // with a password: as the crawl's Redis user (lab:up switches the default user off, issue 15 §3)
  const ping = async (n, host, env = {}) =>
    (await t(n).run(['redis-cli', '-h', host, '-p', '6379', ...(env.REDISCLI_AUTH ? ['--user', 'crawler'] : []), '--no-auth-warning', 'ping'], { nothrow: true, env, timeoutMs: 5000 })).stdout.trim() ||
    'no answer';
  await lab.provider.up(lab.nodes);
  const hosts = {};
  for (const n of lab.nodes)
    hosts[n.name] = {
      hostname: (await t(n).run(['hostname'])).stdout.trim(),
      eth0: (await t(n).run(['ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0'])).stdout.split(/\\s+/)[3],
      uid: (await t(n).run(['id', '-u'])).stdout.trim(),
    };
  // the distro's default: Redis bound to the master's loopback only
  const dir = lab.provider.nodeDir(master);
  await t(master).run(['redis-server', '--port', '6379', '--bind', '127.0.0.1', '--save', '', '--daemonize', 'yes', '--dir', dir, '--pidfile', dir + '/default.pid']);
  for (let i = 0; i < 50 && (await ping(master, '127.0.0.1')) !== 'PONG'; i++) await new Promise((r) => setTimeout(r, 100));
  const before = {
    masterLoopback: await ping(master, '127.0.0.1'),
    workerToMaster: await ping(worker, master.ip),
    workerLoopback: await ping(worker, '127.0.0.1'),
  };
  await t(master).run(['redis-cli', '-h', '127.0.0.1', '-p', '6379', 'shutdown', 'nosave'], { nothrow: true });
  const reports = await labUp(lab);
  const after = {
    workerToMaster: await ping(worker, master.ip),
    workerWithPassword: await ping(worker, master.ip, { REDISCLI_AUTH: lab.secrets.redisPassword }),
    workerLoopback: await ping(worker, '127.0.0.1', { REDISCLI_AUTH: lab.secrets.redisPassword }),
  };
  console.log(JSON.stringify({ choice: lab.choice, hosts, before, after, reports }));
  return 0;
} }, []);
`;

/** Live (not zombie) host processes in user namespace `userns`. */
function liveIn(userns: string): number[] {
  const out: number[] = [];
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (readlinkSync(`/proc/${pid}/ns/user`) !== userns) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z') out.push(Number(pid));
    } catch {
      // ended while scanning, or not ours to read
    }
  }
  return out;
}

test('without root the netns lab runs in a user namespace: separate hosts, Redis reachable only as configured, the crawl matches the truth, destroy leaves nothing', {
  skip,
  timeout: 300_000,
}, async (t) => {
  if (isRoot) await ensureDist();
  const temp = tempLab(undefined, {
    labId: 'rl',
    yaml: threeNodeYaml(NET, 'crawl: { list_pages: 2 }\nmongodb: { enabled: false }'),
  });
  writeFileSync(join(temp.dir, 'up.mjs'), UP);
  if (isRoot) chownSync(temp.dir, 65534, 65534);
  if (isRoot) chownSync(temp.configPath, 65534, 65534);
  const env = { ...temp.env, HOME: temp.dir };
  const providerDir = join(temp.stateDir, 'netns');
  let userns: string | undefined;
  t.after(async () => {
    if (existsSync(providerDir)) await run(['node', '--import', 'tsx', 'scripts/lab/destroy.ts'], env);
    for (const pid of userns ? liveIn(userns) : []) process.kill(pid, 'SIGKILL');
    rmSync(temp.dir, { recursive: true, force: true });
  });

  const up = await run(['node', '--import', 'tsx', join(temp.dir, 'up.mjs')], env);
  assert.equal(up.code, 0, up.stderr);
  const r = JSON.parse(up.stdout) as {
    choice: { name: string; why: string };
    hosts: Record<string, { hostname: string; eth0: string; uid: string }>;
    before: Record<string, string>;
    after: Record<string, string>;
    reports: { step: string; status: string }[];
  };
  userns = (JSON.parse(readFileSync(join(providerDir, 'outer.json'), 'utf8')) as { userns: string }).userns;
  assert.equal(r.choice.name, 'netns');
  assert.match(r.choice.why, /rootless/);
  assert.deepEqual(r.hosts, {
    master: { hostname: 'master', eth0: `${NET}.10/24`, uid: '0' },
    worker1: { hostname: 'worker1', eth0: `${NET}.11/24`, uid: '0' },
    worker2: { hostname: 'worker2', eth0: `${NET}.12/24`, uid: '0' },
  });
  assert.notEqual(readlinkSync('/proc/self/ns/user'), userns, 'the lab has a user namespace of its own');
  assert.ok(!existsSync(`/sys/class/net/clab-rl`), "the host's network has no bridge of the lab");
  assert.deepEqual(r.before, {
    masterLoopback: 'PONG',
    workerToMaster: 'no answer',
    workerLoopback: 'no answer',
  });
  assert.ok(r.reports.some((x) => x.step === 'redis-configure' && x.status === 'changed'));
  assert.match(r.after['workerToMaster'] ?? '', /NOAUTH/);
  assert.equal(r.after['workerWithPassword'], 'PONG');
  assert.equal(r.after['workerLoopback'], 'no answer', "a worker's loopback is not the master's");

  const crawl = await run(['node', '--import', 'tsx', 'scripts/lab/crawl.ts', '--json'], env);
  assertCrawlSummary(crawl);

  const destroy = await run(['node', '--import', 'tsx', 'scripts/lab/destroy.ts'], env);
  assert.equal(destroy.code, 0, destroy.stderr);
  assert.deepEqual(liveIn(userns), [], 'no process of the lab user namespace is left');
  assert.deepEqual(temp.leftovers(), [], 'no namespace, link, mount, process or folder of the lab is left');
  assert.deepEqual(readdirSync(temp.stateDir), ['secrets.json'], 'only the secrets stay');
});
