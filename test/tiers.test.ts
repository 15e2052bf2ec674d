import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import test from 'node:test';
import { fileURLToPath } from 'node:url';

/** The end-to-end tier's two lanes (test/e2e-tier.txt, test/e2e-tier-vms.txt) name real test files, each once. */
const ROOT = fileURLToPath(new URL('..', import.meta.url));

const listed = (file: string) =>
  readFileSync(`${ROOT}${file}`, 'utf8')
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'));

test('every line of test/e2e-tier.txt and test/e2e-tier-vms.txt names an existing test file, in one list, once', () => {
  const labs = listed('test/e2e-tier.txt');
  const vms = listed('test/e2e-tier-vms.txt');
  assert.ok(labs.length > 0 && vms.length > 0);
  const all = [...labs, ...vms];
  assert.equal(new Set(all).size, all.length, 'no file listed twice, nor in both lanes');
  for (const file of all) {
    assert.match(file, /^test\/.*\.test\.ts$/, file);
    assert.ok(existsSync(`${ROOT}${file}`), `${file} exists`);
  }
});

test('no lesson command writes a fixed /tmp path: lessons run side by side on two labs in CI, each with its own TMPDIR', () => {
  const dir = `${ROOT}docs/tutorial`;
  for (const lang of ['en', 'zh'])
    for (const file of readdirSync(`${dir}/${lang}`)) {
      const text = readFileSync(`${dir}/${lang}/${file}`, 'utf8');
      const fixed = text.split('\n').filter((l) => /(^|[\s>'"])\/tmp\/crawl-lab-lesson9/.test(l));
      assert.deepEqual(fixed, [], `${lang}/${file}: use "\${TMPDIR:-/tmp}/..."`);
    }
});
