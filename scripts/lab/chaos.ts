#!/usr/bin/env -S npx tsx
/** npm run lab:chaos -- <scenario>|all [--write-docs] — crawl with a fault, check nothing is lost (lab/commands/chaos.ts). */
import { chaosCommand } from '../../lab/commands/chaos.ts';
import { runLabCommand } from '../../lab/commands/run-command.ts';

await runLabCommand(chaosCommand);
