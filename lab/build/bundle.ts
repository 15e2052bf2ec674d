/**
 * npm run build: bundle the crawl CLI into dist/crawl.mjs (plus the Lua scripts
 * it loads) so machines run plain `node dist/crawl.mjs` — no TypeScript loader
 * in memory, one file to copy — and the mini-Tieba site into dist/site.mjs,
 * which the lab serves from the master. The lab deploys both; the benchmarks
 * measure the first.
 */
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { compileSpider } from 'crawl-lab/admin';
import { build } from 'esbuild';
import { REPO_ROOT } from '../../provision/lab-env.ts';

export const DIST = `${REPO_ROOT}dist`;

/**
 * Builds into a fresh folder beside dist/ and then swaps it in, so a lab:up
 * copying dist/ to the nodes, a worker starting from it or `npx crawl` never
 * sees a half-written or missing dist/ while another command rebuilds it (two
 * labs of one checkout can build at once: seen as a lab whose crawl stopped
 * after a few pages while a second lab rebuilt dist/).
 */
export async function buildCrawler(): Promise<string> {
  const next = `${DIST}.building-${process.pid}-${randomBytes(3).toString('hex')}`;
  try {
    await buildInto(next);
    // another build may swap its own in between our two renames: move it aside and try again
    for (let attempt = 0; ; attempt++) {
      const old = `${DIST}.old-${process.pid}-${randomBytes(3).toString('hex')}`;
      try {
        if (existsSync(DIST)) renameSync(DIST, old);
        renameSync(next, DIST);
        rmSync(old, { recursive: true, force: true });
        break;
      } catch (error) {
        rmSync(old, { recursive: true, force: true });
        const code = (error as NodeJS.ErrnoException).code;
        if (attempt >= 5 || (code !== 'ENOENT' && code !== 'ENOTEMPTY' && code !== 'EEXIST')) throw error;
      }
    }
  } finally {
    rmSync(next, { recursive: true, force: true });
  }
  return `${DIST}/crawl.mjs`;
}

async function buildInto(out: string): Promise<void> {
  mkdirSync(`${out}/lua`, { recursive: true });
  await build({
    entryPoints: [`${REPO_ROOT}crawler/cli/main.ts`],
    outfile: `${out}/crawl.mjs`,
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
  cpSync(`${REPO_ROOT}crawler/scheduler/lua`, `${out}/lua`, { recursive: true });
  await build({
    entryPoints: [`${REPO_ROOT}lab/site/main.ts`],
    outfile: `${out}/site.mjs`,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
  });
}

/**
 * `npm run build -- --spider ./my.ts`: a spider from any folder compiled into
 * dist/spiders/<file>.mjs, deployed to the lab's nodes with the rest of dist/.
 * Nodes have no node_modules: the .mjs carries the spider's own imports, and its
 * `crawl-lab` imports resolve to the node's crawl.mjs. Run it there with
 * `node crawl.mjs run spiders/<file>.mjs` (the runner's `spider` option).
 */
export async function buildSpider(file: string, dist: string = DIST): Promise<string> {
  mkdirSync(`${dist}/spiders`, { recursive: true });
  const abs = resolve(file);
  return compileSpider(abs, `${dist}/spiders/${basename(abs, extname(abs))}.mjs`);
}
