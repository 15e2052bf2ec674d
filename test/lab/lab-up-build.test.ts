import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { distStale, ensureDist } from '../../lab/build/dist.ts';
import { isRoot } from '../provision/netns-support.ts';

/**
 * lab:up builds dist/ only when it is missing or older than the crawler's
 * sources, so a user who cannot write the repository runs lab:up once dist/ is
 * built; when a build is needed and impossible, the error says what to do.
 * Each test uses a small stand-in repository with files and times of its own.
 */
const UP = fileURLToPath(new URL('../../lab/build/dist.ts', import.meta.url));

function fakeRepo(t: { after(fn: () => void): void }): string {
  const root = mkdtempSync(join(tmpdir(), 'crawl-lab-dist-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'crawler', 'cli'), { recursive: true });
  writeFileSync(join(root, 'crawler', 'cli', 'main.ts'), '');
  writeFileSync(join(root, 'package-lock.json'), '{}');
  return root;
}

function touch(path: string, secondsAgo: number): void {
  const when = new Date(Date.now() - secondsAgo * 1000);
  utimesSync(path, when, when);
}

function builtAt(root: string, secondsAgo: number): void {
  mkdirSync(join(root, 'dist'), { recursive: true });
  for (const f of ['crawl.mjs', 'site.mjs']) {
    writeFileSync(join(root, 'dist', f), '');
    touch(join(root, 'dist', f), secondsAgo);
  }
}

test('dist/ newer than every source is reused: no build', async (t) => {
  const root = fakeRepo(t);
  for (const p of ['crawler/cli/main.ts', 'crawler/cli', 'crawler', 'package-lock.json'])
    touch(join(root, p), 100);
  builtAt(root, 10);
  assert.equal(distStale(root), undefined);
  let builds = 0;
  assert.equal(await ensureDist(root, async () => `${builds++}`), 'fresh');
  assert.equal(builds, 0);
});

test('a missing dist/ or a source changed after the build triggers one build, and says why', async (t) => {
  const root = fakeRepo(t);
  assert.equal(distStale(root), 'dist/crawl.mjs is missing');
  builtAt(root, 100);
  for (const p of ['crawler', 'package-lock.json']) touch(join(root, p), 200);
  touch(join(root, 'crawler', 'cli'), 200);
  touch(join(root, 'crawler', 'cli', 'main.ts'), 5);
  assert.equal(distStale(root), 'crawler changed since the last build');
  let builds = 0;
  assert.equal(await ensureDist(root, async () => `${builds++}`), 'built');
  assert.equal(builds, 1);
});

test('a needed build in a folder this user cannot write stops with what to do instead', (t) => {
  const root = fakeRepo(t);
  chmodSync(root, 0o755);
  // as root, run as nobody (root may write anywhere); otherwise take our own write permission away
  if (!isRoot) {
    chmodSync(root, 0o555);
    t.after(() => chmodSync(root, 0o755));
  }
  const script = `import { ensureDist } from ${JSON.stringify(UP)};
try { await ensureDist(process.argv[1], async () => { throw new Error('must not build'); }); console.log('no error'); }
catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message, hint: e.hint })); }`;
  const pre = isRoot ? ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', '--'] : [];
  const argv = [...pre, process.execPath, '--import', 'tsx', '--input-type=module', '-e', script, root];
  const r = spawnSync(argv[0]!, argv.slice(1), {
    encoding: 'utf8',
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
  });
  const out = JSON.parse(r.stdout) as { code: string; message: string; hint: string };
  assert.equal(out.code, 'CRAWL_E_PROVISION');
  assert.match(
    out.message,
    /^cannot build the crawler: dist\/crawl\.mjs is missing, and .* is not writable by this user$/,
  );
  assert.match(out.hint, /npm run build/);
});
