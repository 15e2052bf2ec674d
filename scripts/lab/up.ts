#!/usr/bin/env -S npx tsx
/**
 * npm run lab:up [-- --dry-run] — bring up the lab's machines on the best
 * provider available and provision them with the article's steps (Redis on the
 * master with the two redis.conf edits, plus a password), Node.js, the crawler
 * and the mini-Tieba site. Safe to run again: every step checks before it changes.
 * --dry-run prints every command it would run (docs/lab-commands.md), runs none
 * and needs no root. --article-exact provisions the article's open Redis (no
 * password, bind commented out), with a warning; later commands follow that mode
 * until lab:up runs again without the flag.
 */
import { accessSync, constants, existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { argv } from 'zx';
import { CrawlError } from '../../crawler/errors.ts';
import { DEFAULT_LAB_CONFIG_PATH, LAB_CONFIG_ENV, loadLabConfig } from '../../provision/config/index.ts';
import { labUp, labWhere, openLab, ROOT } from '../../provision/lab.ts';
import { planProvider } from '../../provision/plan/provider.ts';
import { formatPlan, planLab } from '../../provision/plan.ts';
import { formatUpSummary } from '../../provision/progress.ts';
import { buildCrawler } from '../build.ts';
import { isMain, runLabCommand } from './run.ts';

/** What dist/ is built from: the crawler's sources (with the site and the Lua scripts) and the locked dependencies. */
const SOURCES = ['crawler', 'package-lock.json'];
const OUTPUTS = ['dist/crawl.mjs', 'dist/site.mjs'];

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** Why dist/ must be (re)built, or undefined when it is newer than every source. */
export function distStale(root: string = ROOT): string | undefined {
  const missing = OUTPUTS.find((o) => !existsSync(join(root, o)));
  if (missing) return `${missing} is missing`;
  const built = Math.min(...OUTPUTS.map((o) => statSync(join(root, o)).mtimeMs));
  const changed = SOURCES.find((s) => existsSync(join(root, s)) && newestMtime(join(root, s)) > built);
  return changed ? `${changed} changed since the last build` : undefined;
}

/**
 * Builds dist/ only when it is missing or older than the sources, so lab:up
 * runs without write access to the repository once dist/ is built. When it
 * must build and cannot write there, it says who can.
 */
export async function ensureDist(root: string = ROOT, build = buildCrawler): Promise<'built' | 'fresh'> {
  const why = distStale(root);
  if (why === undefined) return 'fresh';
  const dist = join(root, 'dist');
  const target = existsSync(dist) ? dist : dirname(dist);
  try {
    accessSync(target, constants.W_OK);
    if (existsSync(dist))
      for (const o of OUTPUTS) if (existsSync(join(root, o))) accessSync(join(root, o), constants.W_OK);
  } catch {
    throw new CrawlError(
      'CRAWL_E_PROVISION',
      `cannot build the crawler: ${why}, and ${target} is not writable by this user`,
      {
        hint: `build it once as the repository's owner (npm run build), or give this user write access to ${target}; lab:up then reuses dist/ until the sources change`,
      },
    );
  }
  console.log(`building the crawler (dist/: ${why})...`);
  await build();
  return 'built';
}

/** The plan only: no root, no secrets loaded, nothing run on any node. */
export async function dryRunCommand(): Promise<number> {
  const config = loadLabConfig(undefined, argv['article-exact'] ? { redis: { article_exact: true } } : {});
  const configPath = resolve(process.env[LAB_CONFIG_ENV] || DEFAULT_LAB_CONFIG_PATH);
  const { provider, choice } = await planProvider(config, { ...labWhere(), configPath });
  process.stdout.write(formatPlan(await planLab({ config, provider, choice, where: labWhere() })));
  return 0;
}

export async function upCommand(): Promise<number> {
  if (argv['dry-run']) return dryRunCommand();
  const started = Date.now();
  const lab = await openLab({ articleExact: Boolean(argv['article-exact']) });
  console.log(`provider: ${lab.choice.name} (${lab.choice.why})`);
  if (lab.config.redis.articleExact) {
    console.log(
      `WARNING: INSECURE article-exact mode: Redis on ${lab.config.redis.port} has no password and no bind line, so anyone who can reach the master can read and change the crawl (and, through CONFIG, files on the master). Use it to reproduce the article only; npm run lab:up without --article-exact restores the password.`,
    );
  }
  if ((await ensureDist()) === 'fresh') console.log('the crawler (dist/) is up to date with its sources');
  console.log(`bringing up ${lab.nodes.map((n) => `${n.name} ${n.ip}`).join(', ')}`);
  const reports = await labUp(lab);
  console.log(formatUpSummary(reports, Date.now() - started));
  console.log('next: npm run lab:crawl');
  return 0;
}

if (isMain(import.meta.url)) await runLabCommand('up', upCommand);
