#!/usr/bin/env -S npx tsx
/** npm run build — bundle the crawler and the mini-Tieba site into dist/ (lab/build/bundle.ts). */
import { buildCrawler } from '../lab/build/bundle.ts';

console.log(`built ${await buildCrawler()}`);
