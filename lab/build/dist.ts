import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CrawlError } from 'crawl-lab';
import { CRAWL_SOURCES, newestMtime } from '../../bin/bundle.js';
import { REPO_ROOT } from '../../provision/lab-env.ts';
import { buildCrawler } from './bundle.ts';

/** What dist/ is built from: the crawler's sources (bin/bundle.js, which `npx crawl` checks too) and the site. */
const SOURCES = [...CRAWL_SOURCES, 'lab/site'];
const OUTPUTS = ['dist/crawl.mjs', 'dist/site.mjs'];

/** Why dist/ must be (re)built, or undefined when it is newer than every source. */
export function distStale(root: string = REPO_ROOT): string | undefined {
  const missing = OUTPUTS.find((o) => !existsSync(join(root, o)));
  if (missing) return `${missing} is missing`;
  const built = Math.min(...OUTPUTS.map((o) => statSync(join(root, o)).mtimeMs));
  const changed = SOURCES.find((s) => existsSync(join(root, s)) && newestMtime(join(root, s)) > built);
  return changed ? `${changed} changed since the last build` : undefined;
}

/**
 * Builds dist/ only when it is missing or older than the sources, so lab:up
 * runs without write access to the repository once dist/ is built. When it
 * must build and cannot write there, it says who can.
 */
export async function ensureDist(
  root: string = REPO_ROOT,
  build: () => Promise<unknown> = buildCrawler,
): Promise<'built' | 'fresh'> {
  const why = distStale(root);
  if (why === undefined) return 'fresh';
  const dist = join(root, 'dist');
  const target = existsSync(dist) ? dist : dirname(dist);
  try {
    accessSync(target, constants.W_OK);
    if (existsSync(dist))
      for (const o of OUTPUTS) if (existsSync(join(root, o))) accessSync(join(root, o), constants.W_OK);
  } catch {
    throw new CrawlError(
      'CRAWL_E_PROVISION',
      `cannot build the crawler: ${why}, and ${target} is not writable by this user`,
      {
        hint: `build it once as the repository's owner (npm run build), or give this user write access to ${target}; lab:up then reuses dist/ until the sources change`,
      },
    );
  }
  console.log(`building the crawler (dist/: ${why})...`);
  await build();
  return 'built';
}
