import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

// Issue 12, "docs/providers.md cites a file that does not exist": every file the README and
// docs/ name in backquotes or link to is in the repository (or one the lab or the reader writes).

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Files that exist only once something runs: the lab's state, builds, a reader's own spider. */
const WRITTEN_LATER = new Set([
  'secrets.json',
  'mode.json',
  'outer.json',
  'crawl.json',
  'crawl.config.json',
  'titles.ts',
]);

function repoFiles(dir = ROOT): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.name === 'node_modules' || e.name.startsWith('.') || e.name === 'dist') return [];
    const full = join(dir, e.name);
    return e.isDirectory() ? repoFiles(full) : [relative(ROOT, full)];
  });
}

const REFERENCE =
  /`([A-Za-z0-9_./-]+\.(?:ts|md|mjs|js|sh|yaml|json))`|\]\(([^)#\s]+\.(?:ts|md|mjs|js|sh))\)/g;

/** `doc`'s references to files that are not there: paths from the root, the doc's folder, or a path's tail; bare names anywhere. */
function deadReferences(doc: string, files: readonly string[]): string[] {
  const names = new Set(files.map((f) => basename(f)));
  const dead: string[] = [];
  for (const m of readFileSync(join(ROOT, doc), 'utf8').matchAll(REFERENCE)) {
    const ref = (m[1] ?? m[2])!;
    if (/[<>*]/.test(ref) || /^(?:dist|\.lab)\//.test(ref) || WRITTEN_LATER.has(basename(ref))) continue;
    // inside this repository only: a clean clone has nothing beside it
    const inRepo = (p: string) => !relative(ROOT, p).startsWith('..');
    const found = ref.includes('/')
      ? (inRepo(join(ROOT, ref)) && existsSync(join(ROOT, ref))) ||
        (inRepo(join(ROOT, dirname(doc), ref)) && existsSync(join(ROOT, dirname(doc), ref))) ||
        files.some((f) => f.endsWith(`/${ref}`))
      : names.has(ref);
    if (!found) dead.push(ref);
  }
  return dead;
}

test('docs/providers.md names only files that exist', () => {
  assert.deepEqual(deadReferences('docs/providers.md', repoFiles()), []);
});

test('the README and every page of docs/ name only files that exist', () => {
  const files = repoFiles();
  const docs = ['README.md', ...files.filter((f) => f.startsWith('docs/') && f.endsWith('.md'))];
  const dead = docs.flatMap((doc) => deadReferences(doc, files).map((ref) => `${doc}: ${ref}`));
  assert.deepEqual(dead, []);
});

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as '-'. */
function anchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

test('the README takes its figures from docs/, never from a closing note, and its links to docs/ land on a heading', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  assert.doesNotMatch(readme, /closing note/i, 'figures live in docs/, where a reader can find them');
  const links = [...readme.matchAll(/\]\((docs\/[^)#\s]+\.md)#([^)\s]+)\)/g)];
  assert.ok(links.some(([, doc, at]) => doc === 'docs/crawler.md' && at === 'fingerprints'));
  for (const [, doc, at] of links) {
    const headings = readFileSync(join(ROOT, doc!), 'utf8')
      .split('\n')
      .filter((l) => /^#{1,6} /.test(l))
      .map((l) => anchor(l.replace(/^#+ /, '')));
    assert.ok(headings.includes(at!), `README links ${doc}#${at}, a heading ${doc} does not have`);
  }
  const fingerprints = readFileSync(join(ROOT, 'docs/crawler.md'), 'utf8').split('## Fingerprints')[1] ?? '';
  assert.match(fingerprints.split('\n## ')[0]!, /18\.6 bytes\/URL/);
});
