import assert from 'node:assert/strict';
import {
  appendFileSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ensureDist } from '../../lab/build/dist.ts';
import type { CrawlResult } from '../../lab/commands/crawl.ts';
import { freePort } from '../helpers/redis-server.ts';
import { assertCrawlSummary, isRoot, pidsWith, runAsNobody } from '../provision/netns-support.ts';

/**
 * The lab end to end on the `local` provider WITHOUT root: lab:up, lab:up again,
 * lab:crawl, lab:destroy, each a child process. As root (CI) the children run
 * as `nobody` (setpriv), which proves no step needs root; as another user they
 * run as that user.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Every node's items.jsonl under the lab's state folder. */
function itemFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => /(^|\/)items(\/[^/]+)?\.jsonl$/.test(f))
    .map((f) => join(dir, f));
}

const run = (argv: string[], env: NodeJS.ProcessEnv) => runAsNobody(argv, env, 120_000);

/** lab:up without the dist/ build (the build writes into the repository, which `nobody` may not). */
const UP = `
import { labUp, openLab } from ${JSON.stringify(join(ROOT, 'provision/lab.ts'))};
const lab = await openLab({ log: (l) => console.error(l) });
const reports = await labUp(lab);
console.log(JSON.stringify({ choice: lab.choice, ips: lab.nodes.map((n) => n.ip), reports }));
`;

test('the local provider brings the lab up without root, re-runs without changes, crawls the mini site exactly (truth check: a lost item, a duplicated item and a page fetched twice are each named, exit 1) and destroy leaves nothing', {
  timeout: 300_000,
}, async (t) => {
  if (isRoot) await ensureDist();
  const dir = mkdtempSync(join(tmpdir(), 'crawl-lab-local-e2e-'));
  const [redisPort, sitePort] = [await freePort(), await freePort()];
  writeFileSync(
    join(dir, 'lab.yaml'),
    `provider: local
nodes:
  - { name: master, role: master, ip: 192.168.56.10 }
  - { name: worker1, role: worker, ip: 192.168.56.11 }
  - { name: worker2, role: worker, ip: 192.168.56.12 }
redis: { port: ${redisPort} }
site: { port: ${sitePort} }
crawl: { list_pages: 3 }
mongodb: { enabled: false }
`,
  );
  writeFileSync(join(dir, 'up.mjs'), UP);
  if (isRoot) chownSync(dir, 65534, 65534);
  const env = { HOME: dir, LAB_CONFIG: join(dir, 'lab.yaml'), LAB_STATE: join(dir, 'state'), LAB_ID: 'loc' };
  t.after(async () => {
    await run(['node', '--import', 'tsx', 'scripts/lab/destroy.ts'], env);
    for (const pid of pidsWith(dir)) process.kill(pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  const first = await run(['node', '--import', 'tsx', join(dir, 'up.mjs')], env);
  assert.equal(first.code, 0, first.stderr);
  const up1 = JSON.parse(first.stdout) as {
    choice: { name: string };
    ips: string[];
    reports: { node: string; step: string; status: string }[];
  };
  assert.equal(up1.choice.name, 'local');
  assert.deepEqual(
    up1.ips,
    ['127.0.0.10', '127.0.0.11', '127.0.0.12'],
    "lab.yaml's VM addresses become loopback ones",
  );
  assert.ok(up1.reports.some((r) => r.step === 'redis-configure' && r.status === 'changed'));
  assert.match(first.stderr, /bind 127\.0\.0\.10: on your own machine Redis stays on loopback/);
  assert.ok(!existsSync('/var/lib/crawl-lab/redis'), 'nothing written outside the state folder');

  const second = await run(['node', '--import', 'tsx', join(dir, 'up.mjs')], env);
  assert.equal(second.code, 0, second.stderr);
  const up2 = JSON.parse(second.stdout) as typeof up1;
  assert.deepEqual(
    up2.reports.filter((r) => r.status === 'changed'),
    [],
    'a second lab:up changes nothing',
  );
  assert.ok(up2.reports.filter((r) => r.step !== 'node-runtime').every((r) => r.status === 'ok'));

  const crawl = await run(['node', '--import', 'tsx', 'scripts/lab/crawl.ts', '--json'], env);
  assertCrawlSummary(crawl);

  // the mutation check of the truth: lose one item, duplicate another, fetch one page twice;
  // lab:crawl --check must name each of the three and exit non-zero
  const files = itemFiles(join(dir, 'state'));
  assert.ok(files.length > 0, 'the lab keeps its items in JSON lines');
  const keyOf = (line: string) => (JSON.parse(line) as { _key: string })._key;
  const lines = files.flatMap((f) => readFileSync(f, 'utf8').split('\n').filter(Boolean));
  const lost = keyOf(lines[0]!);
  const copy = lines.find((l) => keyOf(l) !== lost)!;
  for (const f of files) {
    const kept = readFileSync(f, 'utf8')
      .split('\n')
      .filter((l) => l && keyOf(l) !== lost);
    writeFileSync(f, kept.map((l) => `${l}\n`).join(''));
  }
  appendFileSync(files[0]!, `${copy}\n`);
  const site = `http://127.0.0.10:${sitePort}`;
  const hits = (await (await fetch(`${site}/__truth/hits`)).json()) as { pages: Record<string, number> };
  const again = Object.keys(hits.pages).find((p) => /^\/p\/\d+\?pn=1$/.test(p))!;
  assert.equal((await fetch(`${site}${again}`)).status, 200);
  const check = await run(['node', '--import', 'tsx', 'scripts/lab/crawl.ts', '--check', '--json'], env);
  assert.equal(check.code, 1, check.stdout + check.stderr);
  const result = JSON.parse(check.stdout.trim().split('\n').at(-1)!) as CrawlResult;
  assert.equal(result.ok, false);
  assert.equal(result.truth?.exact, false);
  assert.deepEqual(
    {
      lost: result.truth?.store.lost,
      duplicated: result.truth?.store.duplicated,
      twice: result.truth?.fetches.twice,
    },
    { lost: 1, duplicated: 1, twice: 1 },
  );
  assert.deepEqual(
    result.truth?.differences.filter((d) => ['missing', 'duplicated', 'fetched twice'].includes(d.kind)),
    [
      { kind: 'missing', what: `thread ${lost}` },
      { kind: 'duplicated', what: `thread ${keyOf(copy)}` },
      { kind: 'fetched twice', what: `${again} (2 times)` },
    ],
  );
  const plain = await run(['node', '--import', 'tsx', 'scripts/lab/crawl.ts', '--check'], env);
  assert.equal(plain.code, 1);
  assert.match(plain.stdout, /MISMATCH/);
  for (const named of [
    `missing: thread ${lost}`,
    `duplicated: thread ${keyOf(copy)}`,
    `fetched twice: ${again}`,
  ])
    assert.ok(plain.stdout.includes(named), `the summary names "${named}":\n${plain.stdout}`);

  const destroy = await run(['node', '--import', 'tsx', 'scripts/lab/destroy.ts'], env);
  assert.equal(destroy.code, 0, destroy.stderr);
  assert.deepEqual(pidsWith(dir), [], 'no process of the lab is left');
  assert.deepEqual(readdirSync(join(dir, 'state')), ['secrets.json'], 'only the secrets stay');
});
