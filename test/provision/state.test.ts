import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isCrawlError } from '../../common/errors.ts';
import { LAB_DEFAULTS } from '../../provision/config/defaults.ts';
import type { LabConfig } from '../../provision/config/index.ts';
import { loadSecrets } from '../../provision/state.ts';

const config = { ...LAB_DEFAULTS, source: 'test' } as unknown as LabConfig;

function stateDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'crawl-lab-state-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('generated passwords are stored 0600 once and read back unchanged without rewriting the file', (t) => {
  const dir = stateDir(t);
  const first = loadSecrets(config, dir);
  const file = join(dir, 'secrets.json');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.match(first.redisPassword, /^\S{16,}$/);
  const inode = statSync(file).ino;
  chmodSync(file, 0o644);
  assert.deepEqual(loadSecrets(config, dir), first);
  assert.equal(statSync(file).ino, inode, 'not rewritten when nothing changed');
  assert.equal(statSync(file).mode & 0o777, 0o600, 'looser rights are tightened again');
});

test('twenty lab commands starting at once on a fresh state folder create the secrets once and all read the same ones', async (t) => {
  const dir = stateDir(t);
  const script = `
    import { loadSecrets } from ${JSON.stringify(fileURLToPath(new URL('../../provision/state.ts', import.meta.url)))};
    import { LAB_DEFAULTS } from ${JSON.stringify(fileURLToPath(new URL('../../provision/config/defaults.ts', import.meta.url)))};
    console.log(loadSecrets({ ...LAB_DEFAULTS, source: 'x' }, process.argv[1]).redisPassword);`;
  // no secrets file yet: all twenty race to create it
  const runs = Array.from(
    { length: 20 },
    () =>
      new Promise<string>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, dir]);
        let out = '';
        let err = '';
        child.stdout.on('data', (d: Buffer) => (out += d));
        child.stderr.on('data', (d: Buffer) => (err += d));
        child.on('close', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(err))));
      }),
  );
  const passwords = new Set(await Promise.all(runs));
  assert.deepEqual(
    [...passwords],
    [JSON.parse(readFileSync(join(dir, 'secrets.json'), 'utf8')).redisPassword],
  );
});

test('a damaged secrets file is an error naming the file and the fix, not a crash', (t) => {
  const dir = stateDir(t);
  writeFileSync(join(dir, 'secrets.json'), '{"redisPass');
  assert.throws(
    () => loadSecrets(config, dir),
    (e: unknown) =>
      isCrawlError(e) && /secrets\.json is not valid JSON/.test(e.message) && /delete it/.test(e.hint ?? ''),
  );
});

test('a secrets file holding null, an array or a non-string password is an error naming the field, not a TypeError (issue 15)', (t) => {
  const dir = stateDir(t);
  const cases: [string, RegExp][] = [
    ['null', /holds null, not an object with redisPassword and mongoPassword/],
    ['[1]', /holds an array, not an object/],
    ['"x"', /holds a string, not an object/],
    ['{"redisPassword": 5}', /redisPassword is a number, not a password string/],
    ['{"mongoPassword": ""}', /mongoPassword is empty, not a password string/],
    ['{"redisPassword": null}', /redisPassword is null, not a password string/],
  ];
  for (const [text, message] of cases) {
    writeFileSync(join(dir, 'secrets.json'), text);
    assert.throws(
      () => loadSecrets(config, dir),
      (e: unknown) =>
        isCrawlError(e) &&
        e.code === 'CRAWL_E_LAB_CONFIG' &&
        message.test(e.message) &&
        /delete it and run npm run lab:up/.test(e.hint ?? ''),
      text,
    );
  }
});
