// Is dist/crawl.mjs (npm run build) newer than everything it is built from? Plain JavaScript, so
// bin/crawl.js asks before any TypeScript loader starts; lab/build/dist.ts asks the same (issue 12).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (bin/..). */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** What dist/crawl.mjs is built from: the crawler, the shared modules and the locked dependencies. */
export const CRAWL_SOURCES = ['crawler', 'common', 'package-lock.json'];

/** The newest modification time in a file or folder tree (ms). */
export function newestMtime(path) {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** Which source is newer than `output`, or undefined when `output` is fresh; 'missing' when there is none. */
export function staleSource(output, sources = CRAWL_SOURCES, root = ROOT) {
  const file = join(root, output);
  if (!existsSync(file)) return 'missing';
  const built = statSync(file).mtimeMs;
  return sources.find((s) => existsSync(join(root, s)) && newestMtime(join(root, s)) > built);
}
