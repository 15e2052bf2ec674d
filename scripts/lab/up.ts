#!/usr/bin/env -S npx tsx
import { runLabCommand } from '../../lab/commands/run-command.ts';
/** npm run lab:up [-- --dry-run] [--article-exact] — machines up and provisioned (lab/commands/up.ts). */
import { upCommand } from '../../lab/commands/up.ts';

await runLabCommand(upCommand);
