#!/usr/bin/env -S npx tsx
/** npm run demo [-- --workers N] [--list-pages N] [--latency-ms N] — the distributed crawl with local processes (lab/commands/demo.ts). */
import { demoCommand } from '../lab/commands/demo.ts';
import { runLabCommand } from '../lab/commands/run-command.ts';

await runLabCommand(demoCommand);
