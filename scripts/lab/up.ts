#!/usr/bin/env -S npx tsx
/**
 * npm run lab:up [-- --dry-run] — bring up the lab's machines on the best
 * provider available and provision them with the article's steps (Redis on the
 * master with the two redis.conf edits, plus a password), Node.js, the crawler
 * and the mini-Tieba site. Safe to run again: every step checks before it changes.
 */
import { argv } from 'zx';
import { labSteps, labUp, openLab } from '../../provision/lab.ts';
import { buildCrawler } from '../build.ts';
import { isMain, runLabCommand } from './run.ts';

export async function upCommand(): Promise<number> {
  const started = Date.now();
  const lab = await openLab();
  console.log(`provider: ${lab.choice.name} (${lab.choice.why})`);
  if (lab.config.redis.articleExact) {
    console.log(
      'WARNING: article_exact: Redis will accept anyone who can reach port 6379, with no password.',
    );
  }
  if (argv['dry-run']) {
    console.log('machines:');
    for (const line of await lab.provider.plan(lab.nodes)) console.log(`  ${line}`);
    console.log(
      `then on the machines, in order: ${labSteps(lab)
        .map((s) => s.id)
        .join(', ')}`,
    );
    return 0;
  }
  console.log('building the crawler (dist/)...');
  await buildCrawler();
  console.log(`bringing up ${lab.nodes.map((n) => `${n.name} ${n.ip}`).join(', ')}`);
  const reports = await labUp(lab);
  const changed = reports.filter((r) => r.status === 'changed').length;
  console.log(
    `lab is up in ${((Date.now() - started) / 1000).toFixed(1)} s: ${changed} step(s) changed something, ${reports.length - changed} already as wanted`,
  );
  console.log('next: npm run lab:crawl');
  return 0;
}

if (isMain(import.meta.url)) await runLabCommand('up', upCommand);
