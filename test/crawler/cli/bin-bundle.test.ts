import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ensureDist } from '../../../lab/build/dist.ts';
import { ROOT } from '../../helpers/crawl-cli.ts';

/**
 * Issue 12: `npx crawl --help` took 1.1 s warm through tsx against 0.23 s from
 * the bundle, so the bin runs dist/crawl.mjs when it is newer than every crawler
 * source, and the TypeScript sources otherwise (an edit always counts).
 */

/** A checkout in miniature: the real bin/, one-line stand-ins for the bundle and the CLI source, the real node_modules. */
function miniCheckout(dir: string): { run: () => string; touch: (path: string, at: number) => void } {
  mkdirSync(join(dir, 'bin'));
  for (const f of ['crawl.js', 'bundle.js']) copyFileSync(join(ROOT, 'bin', f), join(dir, 'bin', f));
  mkdirSync(join(dir, 'crawler', 'cli'), { recursive: true });
  mkdirSync(join(dir, 'common'));
  mkdirSync(join(dir, 'dist'));
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  writeFileSync(join(dir, 'package-lock.json'), '{}\n');
  writeFileSync(join(dir, 'common', 'errors.ts'), 'export {};\n');
  writeFileSync(
    join(dir, 'crawler', 'cli', 'main.ts'),
    "const from: string = 'the sources';\nconsole.log(from);\n",
  );
  writeFileSync(join(dir, 'dist', 'crawl.mjs'), "console.log('the bundle');\n");
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  const touch = (path: string, at: number) => utimesSync(join(dir, path), at, at);
  const t0 = Date.now() / 1000 - 3600;
  for (const p of [
    'package-lock.json',
    'common/errors.ts',
    'common',
    'crawler/cli/main.ts',
    'crawler/cli',
    'crawler',
  ])
    touch(p, t0);
  return {
    run: () =>
      execFileSync(process.execPath, [join(dir, 'bin', 'crawl.js'), '--help'], { encoding: 'utf8' }).trim(),
    touch: (path, at) => touch(path, t0 + at),
  };
}

test('the crawl bin runs dist/crawl.mjs when it is newer than every crawler source, else the sources', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'crawl-bin-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const checkout = miniCheckout(dir);
  checkout.touch('dist/crawl.mjs', 10);
  assert.equal(checkout.run(), 'the bundle', 'built after every source: the bundle');
  checkout.touch('crawler/cli/main.ts', 20);
  assert.equal(checkout.run(), 'the sources', 'a source edited after the build: the sources');
  checkout.touch('dist/crawl.mjs', 30);
  assert.equal(checkout.run(), 'the bundle');
  checkout.touch('package-lock.json', 40);
  assert.equal(checkout.run(), 'the sources', 'dependencies changed after the build: the sources');
  rmSync(join(dir, 'dist', 'crawl.mjs'));
  assert.equal(checkout.run(), 'the sources', 'no bundle: the sources');
});

test("the bundle's crawl --help is the sources' crawl --help", async () => {
  await ensureDist();
  const bin = execFileSync(process.execPath, [join(ROOT, 'bin', 'crawl.js'), '--help'], { encoding: 'utf8' });
  const sources = execFileSync(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'crawler/cli/main.ts'), '--help'],
    {
      encoding: 'utf8',
      cwd: ROOT,
    },
  );
  assert.equal(bin, sources);
  assert.match(bin, /crawl run <spider>/);
});
