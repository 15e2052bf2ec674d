#!/usr/bin/env -S npx tsx
/** npm run lab:destroy — remove everything the lab made (lab/commands/destroy.ts). */
import { destroyCommand } from '../../lab/commands/destroy.ts';
import { runLabCommand } from '../../lab/commands/run-command.ts';

await runLabCommand(destroyCommand);
