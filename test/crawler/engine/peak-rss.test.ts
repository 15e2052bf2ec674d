import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const PEAK = fileURLToPath(new URL('../../../crawler/engine/peak-rss.ts', import.meta.url));

test("a worker's peak memory is its own, not its large parent's", {
  skip: process.platform !== 'linux' && 'Linux only (VmHWM)',
}, () => {
  // the parent holds 300 MB when it starts the child; getrusage's maxRSS would hand that figure on
  const ballast = Buffer.alloc(300 * 1024 * 1024, 1);
  const script = `import { peakRssMb } from ${JSON.stringify(PEAK)}; console.log(peakRssMb());`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(ballast.length > 0);
  const child = Number(r.stdout.trim());
  assert.ok(child > 10 && child < 250, `child peak ${child} MB`);
});
