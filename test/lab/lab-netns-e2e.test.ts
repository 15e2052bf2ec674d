import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ensureDist } from '../../lab/build/dist.ts';
import { runCrawl } from '../../lab/runner/run-crawl.ts';
import { labSteps, labUp } from '../../provision/lab.ts';
import { runSteps } from '../../provision/run-steps.ts';
import { REDIS_CONF, redisInstall, redisReachable, redisToolsInstall } from '../../provision/steps/redis.ts';
import { netnsSkip, tempLab, threeNodeYaml } from '../helpers/netns-lab.ts';
import { assertTruthExact } from '../provision/netns-support.ts';

/**
 * The lab end to end on stand-in hosts: three network namespaces with Debian
 * root filesystems, provisioned with the same steps a VM gets. Needs root
 * (CI runs as root); outside CI without root it skips and says why.
 */
const skip = netnsSkip();

const CONFIG = threeNodeYaml(
  '10.57.0',
  `
crawl: { list_pages: 4 }
mongodb: { enabled: false }
`,
);

test('lab:up provisions three stand-in hosts with the article steps; the crawl matches the ground truth; destroy leaves nothing', {
  skip,
  timeout: 900_000,
}, async (t) => {
  const temp = tempLab(t, { labId: 'e2e', yaml: CONFIG });
  const lines: string[] = [];
  const lab = await temp.open((l) => lines.push(l));
  await ensureDist();
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
  assert.match(conf, /^bind 10\.57\.0\.10 127\.0\.0\.1$/m, "the lab's bind (issue 15 §3)");
  assert.match(conf, /^user default reset off ~\* &\* \+@all$/m);
  assert.match(conf, /^user crawler reset on #[0-9a-f]{64} ~tieba:\* /m);
  assert.doesNotMatch(conf, /^\s*requirepass/m);
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
  const result = await runCrawl(lab, { resume: false });
  // the truth check, structured: the store document by document, the site's hit log page by page
  assertTruthExact(result.truth);
  assert.ok(
    result.workers.every((w) => w.exit === 0),
    JSON.stringify(result.workers),
  );
  for (const node of lab.nodes)
    assert.ok((result.perNode[node.name] ?? 0) > 0, `${node.name} did part of the work`);

  // 6. destroy leaves nothing behind
  await lab.provider.destroy(lab.nodes);
  assert.deepEqual(temp.leftovers(), [], 'destroy leaves nothing of the provider behind');
});
