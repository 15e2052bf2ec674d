#!/usr/bin/env -S npx tsx
/**
 * npm run build: bundle the crawl CLI into dist/crawl.mjs (plus the Lua scripts
 * it loads) so machines run plain `node dist/crawl.mjs` — no TypeScript loader
 * in memory, one file to copy. The lab deploys this; the benchmark measures it.
 */
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DIST = `${ROOT}dist`;

export async function buildCrawler(): Promise<string> {
  rmSync(DIST, { recursive: true, force: true });
  mkdirSync(`${DIST}/lua`, { recursive: true });
  await build({
    entryPoints: [`${ROOT}crawler/cli/main.ts`],
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
  cpSync(`${ROOT}crawler/scheduler/lua`, `${DIST}/lua`, { recursive: true });
  // the mini-Tieba site, which the lab serves from the master
  await build({
    entryPoints: [`${ROOT}crawler/site/main.ts`],
    outfile: `${DIST}/site.mjs`,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
  });
  return `${DIST}/crawl.mjs`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = await buildCrawler();
  console.log(`built ${out}`);
}
