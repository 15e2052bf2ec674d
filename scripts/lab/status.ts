#!/usr/bin/env -S npx tsx
import { runLabCommand } from '../../lab/commands/run-command.ts';
/** npm run lab:status — each node and its services (lab/commands/status.ts). */
import { statusCommand } from '../../lab/commands/status.ts';

await runLabCommand(statusCommand);
