#!/usr/bin/env -S npx tsx
/** npm run lab:doctor [-- --json] — check this machine before lab:up (lab/commands/doctor.ts). */
import { doctorCommand } from '../../lab/commands/doctor.ts';
import { runLabCommand } from '../../lab/commands/run-command.ts';

await runLabCommand(doctorCommand);
