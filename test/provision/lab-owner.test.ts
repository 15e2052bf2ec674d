import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runDoctor } from '../../provision/doctor/run.ts';
import { DEFAULT_LAB_ID, defaultLabId, labEnv, REPO_ROOT } from '../../provision/lab-env.ts';
import { claimLab } from '../../provision/owner.ts';
import { NetnsProvider } from '../../provision/providers/netns/provider.ts';
import { labScript } from '../helpers/lab-script.ts';
import { freePort } from '../helpers/redis-server.ts';
import { isRoot, leftovers, node, pidsWith } from './netns-support.ts';

/**
 * Issue 12, "two checkouts on one host share the clab-lab names": the default
 * LAB_ID is the checkout's own, and lab:up, lab:down and lab:destroy refuse a
 * LAB_ID another checkout's lab holds, naming that checkout; lab:doctor lists it.
 */

test('the default LAB_ID is per checkout: 7 characters, starts with the folder name, stable, LAB_ID still wins', () => {
  const a = defaultLabId('/home/ann/crawl-lab');
  const b = defaultLabId('/home/bob/crawl-lab');
  assert.match(a, /^cra[0-9a-f]{4}$/);
  assert.match(b, /^cra[0-9a-f]{4}$/);
  assert.notEqual(a, b, 'two clones of the same repository get two labs');
  assert.equal(defaultLabId('/home/ann/crawl-lab'), a, 'the same checkout, the same id, every run');
  assert.match(defaultLabId('/srv/--'), /^[0-9a-f]{7}$/, 'a folder name without letters: the hash alone');
  assert.notEqual(DEFAULT_LAB_ID, 'lab');
  assert.equal(DEFAULT_LAB_ID, defaultLabId(REPO_ROOT));
  assert.equal(labEnv({}, {}).labId, DEFAULT_LAB_ID);
  assert.equal(labEnv({}, { LAB_ID: 'fbx' }).labId, 'fbx');
});

test('a second checkout (another LAB_STATE) with the same LAB_ID: lab:up, lab:down and lab:destroy refuse, name the owner and touch nothing; lab:doctor lists the lab', {
  timeout: 300_000,
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'crawl-lab-owner-'));
  const [redisPort, sitePort] = [await freePort(), await freePort()];
  writeFileSync(
    join(dir, 'lab.yaml'),
    `provider: local
nodes:
  - { name: master, role: master, ip: 10.62.7.10 }
  - { name: worker1, role: worker, ip: 10.62.7.11 }
network: { cidr: 10.62.7.0/24 }
redis: { port: ${redisPort} }
site: { port: ${sitePort} }
crawl: { list_pages: 2 }
mongodb: { enabled: false }
`,
  );
  const cache = join(dir, 'cache');
  mkdirSync(cache);
  const first = {
    LAB_CONFIG: join(dir, 'lab.yaml'),
    LAB_STATE: join(dir, 'first'),
    LAB_ID: 'fbown',
    CRAWL_LAB_CACHE: cache,
  };
  const second = { ...first, LAB_STATE: join(dir, 'second') };
  t.after(async () => {
    await labScript('destroy.ts', [], first);
    for (const pid of pidsWith(dir)) process.kill(pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  const up = await labScript('up.ts', ['--no-install'], first);
  assert.equal(up.code, 0, up.stderr);
  const claim = JSON.parse(readFileSync(join(cache, 'labs', 'fbown.json'), 'utf8')) as Record<string, string>;
  assert.equal(claim['stateDir'], first.LAB_STATE);
  assert.equal(claim['checkout'], REPO_ROOT.replace(/\/$/, ''));
  assert.equal(claim['provider'], 'local');
  const running = pidsWith(first.LAB_STATE);
  assert.ok(running.length > 0, "the first lab's processes run");

  for (const [script, args] of [
    ['up.ts', ['--no-install']],
    ['down.ts', []],
    ['destroy.ts', []],
  ] as const) {
    const r = await labScript(script, [...args], second);
    assert.equal(r.code, 2, `${script}: ${r.stdout}${r.stderr}`);
    assert.match(
      r.stderr,
      new RegExp(
        `refused: LAB_ID fbown is the lab of the checkout ${REPO_ROOT.replace(/\/$/, '')} \\(state ${first.LAB_STATE}, local`,
      ),
    );
    assert.match(r.stderr, /fix: unset LAB_ID to use this checkout's own lab/);
  }
  assert.ok(!existsSync(second.LAB_STATE), 'the second checkout made nothing');
  assert.deepEqual(pidsWith(first.LAB_STATE), running, "the first lab's processes are untouched");

  const report = await runDoctor({ configPath: second.LAB_CONFIG, env: { ...process.env, ...second } });
  const others = report.checks.find((c) => c.id === 'other-labs');
  assert.equal(others?.status, 'warn', others?.message);
  assert.match(
    others?.message ?? '',
    new RegExp(`fbown \\(local on 10\\.62\\.7\\.0/24, checkout .*, state ${first.LAB_STATE}\\)`),
  );
  const own = await runDoctor({ configPath: first.LAB_CONFIG, env: { ...process.env, ...first } });
  assert.doesNotMatch(own.checks.find((c) => c.id === 'other-labs')?.message ?? '', /fbown \(/);

  const destroy = await labScript('destroy.ts', [], first);
  assert.equal(destroy.code, 0, destroy.stderr);
  assert.ok(!existsSync(join(cache, 'labs', 'fbown.json')), "destroy drops its lab's claim");
});

test("a netns lab on the /24 of another checkout's lab is refused naming that lab and its checkout", {
  skip: isRoot ? false : 'needs root (network namespaces)',
  timeout: 60_000,
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'crawl-lab-owner-netns-'));
  const cache = join(dir, 'cache');
  const nodes = [node('master', '10.62.9.10', 'master')];
  const first = new NetnsProvider({ labId: 'fbneta', stateDir: join(dir, 'a', 'netns'), cacheDir: cache });
  t.after(async () => {
    await first.destroy(nodes).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });
  await first.up(nodes);
  claimLab(
    { labId: 'fbneta', stateDir: join(dir, 'a'), configPath: join(dir, 'a.yaml'), cacheDir: cache },
    { provider: 'netns', cidr: '10.62.9.0/24' },
  );
  const second = new NetnsProvider({ labId: 'fbnetb', stateDir: join(dir, 'b', 'netns'), cacheDir: cache });
  await assert.rejects(
    second.up([node('master', '10.62.9.20', 'master')]),
    (e: Error & { hint?: string }) => {
      assert.match(
        e.message,
        new RegExp(
          `10\\.62\\.9\\.0/24 is already used by the host on clab-fbneta .*the bridge of lab fbneta of the checkout ${REPO_ROOT.replace(/\/$/, '')} \\(state ${join(dir, 'a')}\\)`,
        ),
      );
      assert.match(e.hint ?? '', /another \/24 in lab\.yaml .*or destroy that lab from its own checkout/);
      return true;
    },
  );
  assert.deepEqual(
    leftovers('fbnetb', join(dir, 'b', 'netns')).filter((l) => !l.startsWith('folder')),
    [],
    'the second lab made no bridge, namespace or process',
  );
});
