import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { labScript } from '../helpers/lab-script.ts';
import { qemuMissing } from '../helpers/qemu-lab.ts';

/**
 * lab:status on a VM lab that is not up (never brought up, or destroyed: no
 * ssh_config yet) lists every node as not running and exits 1, as it does for
 * stand-ins, instead of failing on the missing ssh_config (seen in lesson 10
 * on qemu VMs, after lab:destroy). Nothing boots.
 */
const why = qemuMissing();

test('lab:status on a qemu lab that is not up: each node "not running (npm run lab:up)", exit 1', {
  skip: process.env['CI'] !== 'true' && why ? why : false,
  timeout: 60_000,
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'crawl-lab-status-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(
    join(dir, 'lab.yaml'),
    `provider: qemu
network: { cidr: 10.71.24.0/24 }
nodes:
  - { name: master, role: master, ip: 10.71.24.10, memory: 1024, cpus: 1 }
  - { name: worker1, role: worker, ip: 10.71.24.11, memory: 768, cpus: 1 }
mongodb: { enabled: false }
`,
  );
  const env = {
    ...process.env,
    LAB_ID: 'stq',
    LAB_CONFIG: join(dir, 'lab.yaml'),
    LAB_STATE: join(dir, 'state'),
  };
  const run = await labScript('status.ts', [], env);
  const r = { code: run.code, out: run.stdout + run.stderr };
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /master +10\.71\.24\.10 +not running \(npm run lab:up\)/);
  assert.match(r.out, /worker1 +10\.71\.24\.11 +not running \(npm run lab:up\)/);
  assert.doesNotMatch(r.out, /ssh_config is missing/);
});
