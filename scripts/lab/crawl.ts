#!/usr/bin/env -S npx tsx
/** npm run lab:crawl [-- --resume] — the distributed crawl, checked against the site's truth (lab/commands/crawl.ts). */
import { crawlCommand } from '../../lab/commands/crawl.ts';
import { runLabCommand } from '../../lab/commands/run-command.ts';

await runLabCommand(crawlCommand);
