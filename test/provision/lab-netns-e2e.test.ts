import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type Lab, labSteps, labUp, openLab } from '../../provision/lab.ts';
import { labCrawl } from '../../provision/lab-crawl.ts';
import { runSteps } from '../../provision/run-steps.ts';
import { REDIS_CONF, redisInstall, redisReachable, redisToolsInstall } from '../../provision/steps/redis.ts';
import { buildCrawler } from '../../scripts/build.ts';

/**
 * The lab end to end on stand-in hosts: three network namespaces with Debian
 * root filesystems, provisioned with the same steps a VM gets. Needs root
 * (CI runs as root); outside CI without root it skips and says why.
 */
const isRoot = process.getuid?.() === 0;
const skip =
  !isRoot && process.env['CI'] !== 'true'
    ? 'needs root (network namespaces): run as root, as CI does'
    : false;

const CONFIG = `
provider: netns
network: { cidr: 10.57.0.0/24 }
nodes:
  - { name: master, role: master, ip: 10.57.0.10 }
  - { name: worker1, role: worker, ip: 10.57.0.11 }
  - { name: worker2, role: worker, ip: 10.57.0.12 }
crawl: { list_pages: 4 }
mongodb: { enabled: false }
`;

function leftovers(labId: string): string[] {
  const found: string[] = [];
  const netns = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  if (netns.includes(`clab-${labId}`)) found.push(`namespaces: ${netns}`);
  const links = execFileSync('ip', ['-o', 'link'], { encoding: 'utf8' });
  if (links.includes(`clab-${labId}`)) found.push('links');
  const mounts = execFileSync('cat', ['/proc/mounts'], { encoding: 'utf8' });
  if (mounts.includes(`e2e-${labId}`)) found.push('mounts');
  return found;
}

test('lab:up provisions three stand-in hosts with the article steps; the crawl matches the ground truth; destroy leaves nothing', {
  skip,
  timeout: 900_000,
}, async (t) => {
  const labId = 'e2e';
  const dir = mkdtempSync(join(tmpdir(), `crawl-lab-e2e-${labId}-`));
  const configPath = join(dir, 'lab.yaml');
  writeFileSync(configPath, CONFIG);
  const lines: string[] = [];
  const lab: Lab = await openLab({
    configPath,
    labId,
    stateDir: join(dir, 'state'),
    log: (l) => lines.push(l),
  });
  t.after(async () => {
    await lab.provider.destroy(lab.nodes).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });
  await buildCrawler();
  await lab.provider.up(lab.nodes);
  const transport = (n: (typeof lab.nodes)[number]) => lab.provider.transport(n);
  const master = lab.nodes.find((n) => n.role === 'master')!;
  const m = transport(master);

  // 1. the distro's Redis as apt installs it: listening on 127.0.0.1 only
  await runSteps([redisInstall, redisToolsInstall], lab.nodes, transport, () => {});
  await m.run(['service', 'redis-server', 'restart']);
  const open = { port: 6379, password: undefined, articleExact: true };
  await assert.rejects(
    runSteps([redisReachable(open)], lab.nodes, transport, () => {}),
    (e: Error & { hint?: string }) => {
      assert.match(e.message, /cannot reach Redis on master/);
      assert.match(e.hint ?? '', /bind 127\.0\.0\.1 -::1/);
      return true;
    },
  );

  // 2. bind commented out, protected mode still on, no password: refused by protected mode
  await m.run(['sed', '-i', 's/^bind 127.0.0.1 -::1/# &/', REDIS_CONF]);
  await m.run(['service', 'redis-server', 'restart']);
  await assert.rejects(
    runSteps([redisReachable(open)], lab.nodes, transport, () => {}),
    (e: Error & { hint?: string }) => {
      assert.match(e.hint ?? '', /protected mode is on/);
      return true;
    },
  );

  // 3. the full lab:up: the article's edits plus a password; every worker reaches Redis
  const first = await labUp(lab);
  assert.ok(first.some((r) => r.step === 'redis-configure' && r.status === 'changed'));
  assert.ok(first.filter((r) => r.step === 'redis-reachable').every((r) => r.status === 'ok'));
  const conf = (await m.run(['cat', REDIS_CONF])).stdout;
  assert.match(conf, /^protected-mode no$/m);
  assert.match(conf, /^# bind 127\.0\.0\.1 -::1$/m);
  assert.match(conf, /^requirepass [A-Za-z0-9]+$/m);
  assert.ok(!lines.join('\n').includes(lab.secrets.redisPassword), 'the password is never printed');

  // 4. lab:up again changes nothing
  const second = await labUp(lab);
  assert.deepEqual(
    second.filter((r) => r.status !== 'ok'),
    [],
    'a second lab:up finds everything in place',
  );
  assert.equal(
    second.length,
    labSteps(lab).reduce((n, s) => n + lab.nodes.filter((x) => s.appliesTo(x)).length, 0),
  );

  // 5. the distributed crawl across the three namespaces
  const result = await labCrawl(lab, { resume: false, onProgress: () => {} });
  assert.equal(result.pages, result.expectedPages, 'every page of the site fetched exactly once');
  assert.ok(
    result.workers.every((w) => w.exit === 0),
    JSON.stringify(result.workers),
  );
  for (const node of lab.nodes)
    assert.ok((result.perNode[node.name] ?? 0) > 0, `${node.name} did part of the work`);

  // 6. destroy leaves nothing behind
  await lab.provider.destroy(lab.nodes);
  assert.deepEqual(leftovers(labId), []);
});
