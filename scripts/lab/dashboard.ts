#!/usr/bin/env -S npx tsx
/** npm run lab:dashboard [-- --port N] — the live page of a running crawl (lab/commands/dashboard.ts). */
import { dashboardCommand } from '../../lab/commands/dashboard.ts';
import { runLabCommand } from '../../lab/commands/run-command.ts';

await runLabCommand(dashboardCommand);
