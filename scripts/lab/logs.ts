#!/usr/bin/env -S npx tsx
import { runLabCommand } from '../../lab/commands/run-command.ts';
/** npm run lab:logs [-- <node> [service] [--lines N]] — a node's service log (lab/commands/status.ts). */
import { logsCommand } from '../../lab/commands/status.ts';

await runLabCommand(logsCommand);
