import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import test from 'node:test';
import { fileURLToPath } from 'node:url';

/** The end-to-end tier list (test/e2e-tier.txt) names real test files, each once. */
const ROOT = fileURLToPath(new URL('..', import.meta.url));

test('every line of test/e2e-tier.txt names an existing test file, once', () => {
  const lines = readFileSync(`${ROOT}test/e2e-tier.txt`, 'utf8')
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'));
  assert.ok(lines.length > 0);
  assert.equal(new Set(lines).size, lines.length, 'no file listed twice');
  for (const file of lines) {
    assert.match(file, /^test\/.*\.test\.ts$/, file);
    assert.ok(existsSync(`${ROOT}${file}`), `${file} exists`);
  }
});
