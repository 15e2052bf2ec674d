import { ConfigError } from 'crawl-lab';
import { loadLabConfig } from '../../provision/config/index.ts';
import { labUp, MACHINES_ONLY, type OpenLabOptions, openLab } from '../../provision/lab.ts';
import { labEnv } from '../../provision/lab-env.ts';
import { claimLab, requireOwnLab } from '../../provision/owner.ts';
import { formatPlan, planLab } from '../../provision/plan/plan-lab.ts';
import { planProvider } from '../../provision/plan/provider.ts';
import { formatUpSummary } from '../../provision/progress.ts';
import { ensureDist } from '../build/dist.ts';
import { ENGINE_OPTION, ENGINE_USAGE, engineOpen } from './engine-flag.ts';
import { ensureMongoServer } from './mongo-server.ts';
import type { LabCommand } from './run-command.ts';

export interface UpOptions {
  /** Print every command it would run; run none, need no root. */
  dryRun?: boolean;
  /** The article's open Redis (no password, bind commented out), with a warning. */
  articleExact?: boolean;
  /** Never install host packages (lab.yaml: host.install_packages: false); say what to install instead. */
  noInstall?: boolean;
  /** Only these steps (ids as --dry-run shows them) after the machines; ['machines'] = the machines alone. */
  only?: readonly string[];
  /** How to open the lab (the quick start's local fallback). */
  open?: OpenLabOptions;
}

/** `--only a,b` as a list of ids; undefined without the flag. */
export function onlyList(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  const ids = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (ids.length === 0) {
    throw new ConfigError('CRAWL_E_USAGE', '--only needs one or more step ids', {
      hint: 'npm run lab:up -- --only machines, or --only redis-install,redis-tools-install',
    });
  }
  return ids;
}

/** The plan only: no root, no secrets loaded, nothing run on any node. */
export async function dryRun(o: UpOptions = {}): Promise<number> {
  const where = labEnv();
  const config = loadLabConfig(where.configPath, o.articleExact ? { redis: { article_exact: true } } : {});
  const { provider, choice } = await planProvider(config, where);
  process.stdout.write(formatPlan(await planLab({ config, provider, choice, where })));
  return 0;
}

export async function up(o: UpOptions = {}): Promise<number> {
  if (o.dryRun && o.only) {
    throw new ConfigError('CRAWL_E_USAGE', '--dry-run shows every step; it does not combine with --only', {
      hint: 'npm run lab:up -- --dry-run',
    });
  }
  if (o.dryRun) return dryRun(o);
  const started = Date.now();
  const where = labEnv(o.open ?? {});
  // another checkout's lab (same LAB_ID, another state folder): refuse before anything is made
  requireOwnLab(where, 'lab:up');
  const lab = await openLab({
    ...o.open,
    articleExact: Boolean(o.articleExact),
    packages: o.noInstall ? 'check' : 'install',
  });
  console.log(`provider: ${lab.choice.name} (${lab.choice.why})`);
  if (lab.config.redis.articleExact) {
    console.log(
      `WARNING: INSECURE article-exact mode: Redis on ${lab.config.redis.port} has no password and no bind line, so anyone who can reach the master can read and change the crawl (and, through CONFIG, files on the master). Use it to reproduce the article only; npm run lab:up without --article-exact restores the password.`,
    );
  }
  const wants = (id: string) => !o.only || o.only.includes(id);
  if (!o.noInstall && wants('mongodb')) await ensureMongoServer(lab);
  if (wants('crawler-deploy') && (await ensureDist()) === 'fresh')
    console.log('the crawler (dist/) is up to date with its sources');
  claimLab(where, { provider: lab.choice.name, cidr: lab.config.network.cidr });
  const machines = lab.nodes.map((n) => `${n.name} ${n.ip}`).join(', ');
  console.log(`bringing up ${machines}`);
  const reports = await labUp(lab, o.only);
  if (o.only?.length === 1 && o.only[0] === MACHINES_ONLY) {
    console.log(`machines up: ${machines}`);
    return 0;
  }
  console.log(formatUpSummary(reports, Date.now() - started));
  console.log(o.only ? 'the rest: npm run lab:up' : 'next: npm run lab:crawl');
  return 0;
}

export const upCommand: LabCommand = {
  name: 'up',
  usage: `npm run lab:up [-- --dry-run] [--article-exact] [--no-install] [--only <step,...>] [--engine <e>]

Bring up the lab's machines on the best provider available and provision them
with the article's steps (Redis on the master with the two redis.conf edits,
plus a password), Node.js, the crawler and the mini-Tieba site. Safe to run
again: every step checks before it changes.

  --dry-run        print every command it would run (docs/lab-commands.md); runs none, needs no root
  --article-exact  the article's open Redis (no password, bind commented out), with a warning;
                   later commands follow that mode until lab:up runs again without the flag
  --no-install     never install this host's missing packages (as root with apt, lab:up installs
                   what the chosen provider needs, naming each; lab.yaml: host.install_packages: false)
  --only <ids>     bring the machines up, then run only these steps (ids as --dry-run lists them,
                   comma-separated, in lab:up's order); --only machines: the machines alone
${ENGINE_USAGE}; scrapy-redis and both add a
                   Python venv and the article's spider on every node`,
  options: {
    'dry-run': { type: 'boolean' },
    'article-exact': { type: 'boolean' },
    'no-install': { type: 'boolean' },
    only: { type: 'string' },
    ...ENGINE_OPTION,
  },
  run: ({ values }) =>
    up({
      dryRun: Boolean(values['dry-run']),
      articleExact: Boolean(values['article-exact']),
      noInstall: Boolean(values['no-install']),
      only: onlyList(typeof values['only'] === 'string' ? values['only'] : undefined),
      open: engineOpen(values['engine']),
    }),
};
