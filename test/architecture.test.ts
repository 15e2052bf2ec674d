import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * The folder tree draws the architecture (docs/architecture.md); these checks
 * keep it drawn. common/ is shared by all; crawler/ is the crawler and its CLI,
 * reached from outside only through `crawl-lab` and `crawl-lab/admin`;
 * provision/ makes and configures machines and knows nothing of running the
 * lab; lab/ runs the lab on them; scripts/ are thin entry points nobody imports.
 */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PARTS = ['common', 'crawler', 'provision', 'lab', 'scripts', 'bench', 'test'];

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(ROOT, dir))) {
    const rel = join(dir, entry);
    if (entry === 'fixtures' || entry === 'artifacts' || entry === 'node_modules') continue;
    if (statSync(join(ROOT, rel)).isDirectory()) out.push(...filesUnder(rel));
    else if (rel.endsWith('.ts')) out.push(rel);
  }
  return out;
}

const FILES = PARTS.flatMap(filesUnder);
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/g;

/** Every module a file imports: repository paths for relative ones, package names otherwise. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [...text.matchAll(IMPORT)].map(([, spec]) =>
    spec!.startsWith('.') ? normalize(join(dirname(file), spec!)) : spec!,
  );
}

const partOf = (path: string) => path.split('/')[0]!;

test('outside crawler/ the crawler is reached only through crawl-lab and crawl-lab/admin (its own tests under test/crawler/ excepted)', () => {
  const offenders = FILES.filter((f) => partOf(f) !== 'crawler' && !f.startsWith('test/crawler/')).flatMap(
    (f) =>
      importsOf(f)
        .filter((i) => partOf(i) === 'crawler')
        .map((i) => `${f} imports ${i}`),
  );
  assert.deepEqual(offenders, []);
});

test('the public entries are the ones package.json exports', () => {
  const exports = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).exports as Record<
    string,
    string
  >;
  assert.equal(exports['.'], './crawler/index.ts');
  assert.equal(exports['./admin'], './crawler/admin.ts');
  const used = new Set(FILES.flatMap(importsOf).filter((i) => i.startsWith('crawl-lab')));
  for (const spec of used) assert.ok(exports[`.${spec.slice('crawl-lab'.length)}`], `${spec} is exported`);
});

test('crawler/ and common/ import nothing of provision/, lab/, scripts/ or bench/', () => {
  const offenders = FILES.filter((f) => ['crawler', 'common'].includes(partOf(f))).flatMap((f) =>
    importsOf(f)
      .filter((i) => ['provision', 'lab', 'scripts', 'bench', 'test'].includes(partOf(i)))
      .map((i) => `${f} imports ${i}`),
  );
  assert.deepEqual(offenders, []);
});

test('provision/ makes machines and knows nothing of running the lab (only the site defaults lab.yaml shows)', () => {
  const offenders = FILES.filter((f) => partOf(f) === 'provision').flatMap((f) =>
    importsOf(f)
      .filter((i) => ['lab', 'scripts', 'bench', 'test'].includes(partOf(i)) && i !== 'lab/site/index.ts')
      .map((i) => `${f} imports ${i}`),
  );
  assert.deepEqual(offenders, []);
  for (const gone of [
    'provision/dashboard',
    'provision/chaos',
    'provision/lessons',
    'provision/lab-crawl.ts',
  ])
    assert.ok(!existsSync(join(ROOT, gone)), `${gone} belongs to lab/`);
  assert.ok(!existsSync(join(ROOT, 'crawler/site')), 'the mini-Tieba site is the lab target: lab/site');
});

test('scripts/ are thin entry points: nothing imports them, and they import only lab/commands/ (build: lab/build/)', () => {
  const importers = FILES.flatMap((f) =>
    importsOf(f)
      .filter((i) => partOf(i) === 'scripts')
      .map((i) => `${f} imports ${i}`),
  );
  assert.deepEqual(importers, []);
  for (const f of FILES.filter((x) => partOf(x) === 'scripts')) {
    const local = importsOf(f).filter((i) => !i.startsWith('node:'));
    for (const i of local) assert.match(i, /^lab\/(commands|build)\//, `${f} imports ${i}`);
    assert.ok(readFileSync(join(ROOT, f), 'utf8').split('\n').length <= 12, `${f} stays a few lines`);
  }
});

test('outside provision/providers/ nothing branches on which provider it has', () => {
  const branch =
    /instanceof\s+\w*Provider\b|provider\.name\s*[!=]==|choice\.name\s*[!=]==|\.name\s*===\s*'(?:vagrant|netns|ssh|local|qemu)'/;
  const offenders = FILES.filter(
    (f) => !f.startsWith('provision/providers/') && partOf(f) !== 'test',
  ).flatMap((f) =>
    readFileSync(join(ROOT, f), 'utf8')
      .split('\n')
      .map((line, i) => ({ line, i }))
      .filter(({ line }) => branch.test(line))
      .map(({ line, i }) => `${f}:${i + 1}: ${line.trim()}`),
  );
  assert.deepEqual(offenders, []);
});

test('no file sits beside a folder of the same name', () => {
  const twins = FILES.filter((f) => existsSync(join(ROOT, f.replace(/\.ts$/, ''))));
  assert.deepEqual(twins, []);
});

test('CRAWL_LAB_CACHE, LAB_ID, LAB_STATE and LAB_CONFIG are read in one module (provision/lab-env.ts)', () => {
  const readers = FILES.filter((f) => partOf(f) !== 'test' && partOf(f) !== 'bench').filter((f) =>
    /env\[['"](?:CRAWL_LAB_CACHE|LAB_ID|LAB_STATE|LAB_CONFIG)['"]\]/.test(
      readFileSync(join(ROOT, f), 'utf8'),
    ),
  );
  assert.deepEqual(
    readers.map((f) => relative(ROOT, join(ROOT, f))),
    ['provision/lab-env.ts'],
  );
});
