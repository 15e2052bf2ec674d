#!/usr/bin/env -S npx tsx
/** npm run build [-- --spider FILE ...] — bundle the crawler, the mini-Tieba site and any given spiders into dist/ (lab/build/bundle.ts). */
import { parseArgs } from 'node:util';
import { buildCrawler, buildSpider } from '../lab/build/bundle.ts';

const { values } = parseArgs({ options: { spider: { type: 'string', multiple: true } }, strict: true });
console.log(`built ${await buildCrawler()}`);
for (const file of values.spider ?? []) console.log(`built ${await buildSpider(file)}`);
