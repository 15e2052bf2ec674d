#!/usr/bin/env -S npx tsx
/**
 * npm run lab:up [-- --dry-run] — bring up the lab's machines on the best
 * provider available and provision them with the article's steps (Redis on the
 * master with the two redis.conf edits, plus a password), Node.js, the crawler
 * and the mini-Tieba site. Safe to run again: every step checks before it changes.
 * --dry-run prints every command it would run (docs/lab-commands.md), runs none
 * and needs no root.
 */
import { argv } from 'zx';
import { loadLabConfig } from '../../provision/config/index.ts';
import { labUp, openLab } from '../../provision/lab.ts';
import { planProvider } from '../../provision/plan/provider.ts';
import { formatPlan, planLab } from '../../provision/plan.ts';
import { formatUpSummary } from '../../provision/progress.ts';
import { STATE_DIR } from '../../provision/state.ts';
import { buildCrawler } from '../build.ts';
import { isMain, runLabCommand } from './run.ts';

/** The plan only: no root, no secrets loaded, nothing run on any node. */
export async function dryRunCommand(): Promise<number> {
  const config = loadLabConfig();
  const where = { labId: process.env['LAB_ID'] ?? 'lab', stateDir: process.env['LAB_STATE'] ?? STATE_DIR };
  const { provider, choice } = await planProvider(config, where);
  process.stdout.write(formatPlan(await planLab({ config, provider, choice })));
  return 0;
}

export async function upCommand(): Promise<number> {
  if (argv['dry-run']) return dryRunCommand();
  const started = Date.now();
  const lab = await openLab();
  console.log(`provider: ${lab.choice.name} (${lab.choice.why})`);
  if (lab.config.redis.articleExact) {
    console.log(
      'WARNING: article_exact: Redis will accept anyone who can reach port 6379, with no password.',
    );
  }
  console.log('building the crawler (dist/)...');
  await buildCrawler();
  console.log(`bringing up ${lab.nodes.map((n) => `${n.name} ${n.ip}`).join(', ')}`);
  const reports = await labUp(lab);
  console.log(formatUpSummary(reports, Date.now() - started));
  console.log('next: npm run lab:crawl');
  return 0;
}

if (isMain(import.meta.url)) await runLabCommand('up', upCommand);
