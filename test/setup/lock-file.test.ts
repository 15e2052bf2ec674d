import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * Issue 12: `npm install` and `npm ci` leave package-lock.json unchanged. npm
 * rewrote it whenever a package's optional dependencies (biome's builds for
 * other platforms) had no entry of their own: it added them on the first
 * install, so a fresh clone was dirty after the README's first command.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface LockEntry {
  version?: string;
  optionalDependencies?: Record<string, string>;
}

test('every optional dependency in package-lock.json has an entry of its own, so npm install adds nothing', () => {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const missing: string[] = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    for (const [name, range] of Object.entries(entry.optionalDependencies ?? {})) {
      // npm resolves a dependency beside its parent first, then at the top
      const nested = `${path ? `${path}/` : ''}node_modules/${name}`;
      if (!lock.packages[nested] && !lock.packages[`node_modules/${name}`])
        missing.push(`${path || '(root)'} → ${name}@${range}`);
    }
  }
  assert.deepEqual(missing, [], 'run npm install and commit package-lock.json with these entries');
});

test('package-lock.json agrees with package.json (npm ci would refuse otherwise)', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<
      string,
      { dependencies?: Record<string, string>; devDependencies?: Record<string, string> }
    >;
  };
  const root = lock.packages[''];
  assert.deepEqual(root?.dependencies, pkg.dependencies);
  assert.deepEqual(root?.devDependencies, pkg.devDependencies);
  for (const name of [...Object.keys(pkg.dependencies), ...Object.keys(pkg.devDependencies)])
    assert.ok(lock.packages[`node_modules/${name}`], `${name} is locked`);
});
