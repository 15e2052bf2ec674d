import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openLab } from '../../provision/lab.ts';

const UP = fileURLToPath(new URL('../../scripts/lab/up.ts', import.meta.url));

function tempLab(t: { after: (fn: () => void) => void }) {
  const dir = mkdtempSync(join(tmpdir(), 'crawl-lab-exact-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const configPath = join(dir, 'lab.yaml');
  writeFileSync(configPath, 'provider: local\n');
  return { configPath, stateDir: join(dir, 'state'), labId: 'exact', log: () => {} };
}

test('lab:up --article-exact sets the mode every later lab command follows, until lab:up without it', async (t) => {
  const where = tempLab(t);
  assert.equal((await openLab(where)).config.redis.articleExact, false, 'secure by default');
  assert.equal((await openLab({ ...where, articleExact: true })).config.redis.articleExact, true);
  assert.equal((await openLab(where)).config.redis.articleExact, true, 'lab:crawl after it connects openly');
  assert.equal((await openLab({ ...where, articleExact: false })).config.redis.articleExact, false);
  assert.equal((await openLab(where)).config.redis.articleExact, false, 'the password is back');
});

test('lab:up --dry-run --article-exact warns loudly and plans no password', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', UP, '--dry-run', '--article-exact'], {
    encoding: 'utf8',
    env: { ...process.env, LAB_ID: 'exact', LAB_STATE: mkdtempSync(join(tmpdir(), 'crawl-lab-exact-')) },
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /WARNING: article_exact/);
  assert.doesNotMatch(r.stdout, /requirepass/);
});

test('issue 15 §3: --article-exact on a lab.yaml with redis.tls: true turns TLS off (the article has none); lab:up without it brings TLS back', async (t) => {
  const where = tempLab(t);
  writeFileSync(where.configPath, 'provider: local\nredis: { tls: true }\n');
  assert.equal((await openLab(where)).config.redis.tls, true);
  const exact = await openLab({ ...where, articleExact: true });
  assert.deepEqual([exact.config.redis.articleExact, exact.config.redis.tls], [true, false]);
  assert.equal((await openLab(where)).config.redis.tls, false, 'later commands follow the recorded mode');
  assert.equal((await openLab({ ...where, articleExact: false })).config.redis.tls, true);
});
