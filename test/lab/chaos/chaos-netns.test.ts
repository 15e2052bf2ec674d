import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ensureDist } from '../../../lab/build/dist.ts';
import { redisAdmin } from '../../../lab/chaos/faults.ts';
import { CHAOS } from '../../../lab/chaos/plan.ts';
import type { ChaosResult } from '../../../lab/chaos/run.ts';
import { SCENARIO_LIST } from '../../../lab/chaos/scenarios.ts';
import { chaosRuns } from '../../../lab/commands/chaos.ts';
import { workersOf } from '../../../lab/runner/workers.ts';
import { type Lab, labUp, openLab, servicesOf } from '../../../provision/lab.ts';
import { findMongoServerBinary, NO_SERVER_WHY } from '../../../provision/steps/mongodb-binary.ts';
import { startLabScript } from '../../helpers/lab-script.ts';
import { isRoot, leftovers } from '../../provision/netns-support.ts';

/**
 * Issue 6: every fault scenario on one three-node netns lab (brought up once,
 * reset between scenarios, destroyed at the end). Each crawl must finish by
 * itself with the lab's MongoDB (FerretDB on the master) holding exactly the
 * site's ground truth. Needs root and the FerretDB binary (CI has both); outside
 * CI without them it skips and says why.
 */
function skipReason(): string | false {
  if (process.env['CI'] === 'true') return false; // CI runs as root with FerretDB built: never skipped there
  if (!isRoot) return 'needs root (network namespaces): run as root, as CI does';
  if (!findMongoServerBinary()) return `the lab's MongoDB needs ${NO_SERVER_WHY}`;
  return false;
}
const skip = skipReason();

const LAB_ID = 'chaos';
const CONFIG = `
provider: netns
network: { cidr: 10.57.4.0/24 }
nodes:
  - { name: master, role: master, ip: 10.57.4.10 }
  - { name: worker1, role: worker, ip: 10.57.4.11 }
  - { name: worker2, role: worker, ip: 10.57.4.12 }
crawl: { list_pages: 5, concurrent_requests: 2 }
site: { latency_ms: 300 }
`;

let lab: Lab | undefined;
let dir = '';
const lines: string[] = [];
let outcome: { baseline: ChaosResult; results: ChaosResult[] } | undefined;

before(
  async () => {
    if (skip) return;
    dir = mkdtempSync(join(tmpdir(), 'crawl-lab-chaos-'));
    writeFileSync(join(dir, 'lab.yaml'), CONFIG);
    lab = await openLab({
      configPath: join(dir, 'lab.yaml'),
      labId: LAB_ID,
      stateDir: join(dir, 'state'),
      log: (l) => lines.push(l),
    });
    await ensureDist();
    await labUp(lab);
    outcome = await chaosRuns(lab, SCENARIO_LIST, (l) => lines.push(l));
  },
  { timeout: 780_000 }, // ten crawls (baseline and nine scenarios)
);

after(async () => {
  if (!lab) return;
  await lab.provider.destroy(lab.nodes).catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

const explain = (r: ChaosResult) => `${r.scenario}: ${r.problems.join('; ')}\n${lines.slice(-40).join('\n')}`;

test("the fault-free baseline crawl fetches every page once and stores exactly the ground truth in the lab's MongoDB", {
  skip,
  timeout: 600_000,
}, () => {
  const b = outcome!.baseline;
  assert.match(b.store?.source ?? '', /^MongoDB /, 'the lab provisioned MongoDB and the check read it');
  assert.equal(b.status, 'pass', explain(b));
  assert.equal(b.pages, b.expectedPages);
  assert.equal(b.store?.duplicated, 0);
});

for (const s of SCENARIO_LIST) {
  test(`${s.name}: the crawl finishes by itself and MongoDB holds exactly the ground truth, nothing lost or duplicated`, {
    skip,
  }, () => {
    const r = outcome!.results.find((x) => x.scenario === s.name)!;
    assert.equal(r.status, 'pass', explain(r));
    assert.ok(r.fault, 'the fault was injected mid-crawl');
    assert.ok(r.fault.startMs < r.elapsedMs);
    assert.deepEqual([r.store?.lost, r.store?.duplicated, r.store?.found], [0, 0, r.store?.expected]);
  });
}

test('a paused worker stays paused longer than its lease, so its leases really were reclaimed', {
  skip,
}, () => {
  const r = outcome!.results.find((x) => x.scenario === 'stall-renewals')!;
  assert.ok(r.fault!.endMs - r.fault!.startMs >= CHAOS.leaseTimeoutS * 1000);
  assert.ok(Number(r.drive?.stats['leases/reclaimed'] ?? 0) > 0, JSON.stringify(r.drive?.stats));
});

test('Ctrl-C mid-fault: lab:chaos undoes the fault (Redis runs again, the crawl data kept), stops the workers and exits 130', {
  skip,
  timeout: 300_000,
}, async () => {
  const env = { LAB_ID, LAB_CONFIG: join(dir, 'lab.yaml'), LAB_STATE: join(dir, 'state') };
  const run = startLabScript('chaos.ts', ['redis-restart'], env);
  const deadline = Date.now() + 240_000;
  // the baseline, then the scenario's crawl; Ctrl-C while Redis is stopped
  while (!/service redis-server stop/.test(run.stdout()) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 200));
  assert.match(run.stdout(), /service redis-server stop/, 'the fault began');
  run.child.kill('SIGINT');
  const r = await run.done;
  const out = `${r.stdout}${r.stderr}`;
  assert.equal(r.code, 130, out);
  assert.match(out, /Ctrl-C: stopping after the fault in progress is undone/);
  assert.match(out, /service redis-server start/, 'the fault was undone');
  assert.match(out, /interrupted: the fault in progress was undone and the workers stopped/);
  // started again: it answers once it has loaded its files (LOADING until then)
  let pong = '';
  for (let i = 0; i < 150 && pong !== 'PONG'; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, 200));
    pong = await redisAdmin(lab!, ['ping']).catch((e: unknown) => String(e));
  }
  assert.equal(pong, 'PONG');
  for (const w of workersOf(lab!)) {
    const state = await servicesOf(lab!, lab!.provider.transport(w.node)).state(w.service);
    assert.notEqual(state.state, 'running', `${w.id} stopped`);
  }
});

test('after destroy nothing of the chaos lab is left', { skip }, async () => {
  await lab!.provider.destroy(lab!.nodes);
  assert.deepEqual(
    leftovers(LAB_ID, join(dir, 'state', 'netns')).filter((l) => !l.startsWith('folder')),
    [],
  );
});
