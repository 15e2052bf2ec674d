#!/usr/bin/env -S npx tsx
/** npm run lab:items [-- --format jsonl|json|csv] [--out FILE] — one crawl's items in one file (lab/commands/items.ts). */
import { itemsCommand } from '../../lab/commands/items.ts';
import { runLabCommand } from '../../lab/commands/run-command.ts';

await runLabCommand(itemsCommand);
