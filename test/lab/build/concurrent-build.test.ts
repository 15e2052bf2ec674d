import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * Several labs of one checkout may build dist/ at once (lab:up, lab:crawl's
 * ensureDist, npm run build). Each build is swapped in whole, so three at once
 * leave one complete dist/ and no half-built or set-aside folder, and dist/ is
 * never seen missing its Lua scripts while they run.
 */
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

const build = () =>
  new Promise<number>((resolve) =>
    execFile(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/build.ts')], { cwd: ROOT }, (error) =>
      resolve(error ? 1 : 0),
    ),
  );

test('three builds at once leave one complete dist/ (crawl.mjs, site.mjs, the Lua scripts) and no temporary folder', {
  timeout: 180_000,
}, async () => {
  let sawIncomplete = false;
  const watch = setInterval(() => {
    // a reader during the builds: whenever dist/ holds crawl.mjs it also holds its Lua scripts
    const dist = join(ROOT, 'dist');
    if (existsSync(join(dist, 'crawl.mjs')) && !existsSync(join(dist, 'lua'))) sawIncomplete = true;
  }, 5);
  const codes = await Promise.all([build(), build(), build()]);
  clearInterval(watch);
  assert.deepEqual(codes, [0, 0, 0]);
  assert.equal(sawIncomplete, false, 'dist/ was never seen with crawl.mjs but without lua/');
  for (const f of ['crawl.mjs', 'site.mjs', 'lua']) assert.ok(existsSync(join(ROOT, 'dist', f)), f);
  assert.ok(statSync(join(ROOT, 'dist', 'crawl.mjs')).size > 100_000);
  assert.deepEqual(
    readdirSync(ROOT).filter((n) => n.startsWith('dist.')),
    [],
    'no dist.building-* or dist.old-* folder is left',
  );
});
