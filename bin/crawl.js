#!/usr/bin/env node
// Entry point of the `crawl` command (package bin, `npx crawl`). When dist/crawl.mjs (npm run build)
// is newer than every crawler source it runs that bundle: no TypeScript loader, a fraction of the
// start-up time. Otherwise it runs the TypeScript CLI through tsx, so an edited source always counts.
import { staleSource } from './bundle.js';

if (staleSource('dist/crawl.mjs') === undefined) {
  await import('../dist/crawl.mjs');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../crawler/cli/main.ts');
}
