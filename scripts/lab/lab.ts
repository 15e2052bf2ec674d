#!/usr/bin/env -S npx tsx
/** npm run lab — the quick start: lab:up, then lab:crawl (lab/commands/lab.ts). */
import { labCommand } from '../../lab/commands/lab.ts';
import { runLabCommand } from '../../lab/commands/run-command.ts';

await runLabCommand(labCommand);
