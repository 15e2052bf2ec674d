#!/usr/bin/env -S npx tsx
/** npm run lab:down — stop the machines, keep their disks (lab/commands/down.ts). */
import { downCommand } from '../../lab/commands/down.ts';
import { runLabCommand } from '../../lab/commands/run-command.ts';

await runLabCommand(downCommand);
