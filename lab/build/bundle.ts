/**
 * npm run build: bundle the crawl CLI into dist/crawl.mjs (plus the Lua scripts
 * it loads) so machines run plain `node dist/crawl.mjs` — no TypeScript loader
 * in memory, one file to copy — and the mini-Tieba site into dist/site.mjs,
 * which the lab serves from the master. The lab deploys both; the benchmarks
 * measure the first.
 */
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { build } from 'esbuild';
import { REPO_ROOT } from '../../provision/lab-env.ts';

export const DIST = `${REPO_ROOT}dist`;

export async function buildCrawler(): Promise<string> {
  rmSync(DIST, { recursive: true, force: true });
  mkdirSync(`${DIST}/lua`, { recursive: true });
  await build({
    entryPoints: [`${REPO_ROOT}crawler/cli/main.ts`],
    outfile: `${DIST}/crawl.mjs`,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'linked',
    logLevel: 'warning',
    // some dependencies are CommonJS and call require()
    banner: {
      js: "import { createRequire as __crawlRequire } from 'node:module'; const require = __crawlRequire(import.meta.url);",
    },
  });
  cpSync(`${REPO_ROOT}crawler/scheduler/lua`, `${DIST}/lua`, { recursive: true });
  await build({
    entryPoints: [`${REPO_ROOT}lab/site/main.ts`],
    outfile: `${DIST}/site.mjs`,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
  });
  return `${DIST}/crawl.mjs`;
}
