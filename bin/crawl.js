#!/usr/bin/env node
// Entry point of the `crawl` command (package bin, `npx crawl`): runs the TypeScript CLI through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../crawler/cli/main.ts');
