import { loadLabConfig } from '../../provision/config/index.ts';
import { labUp, type OpenLabOptions, openLab } from '../../provision/lab.ts';
import { labEnv } from '../../provision/lab-env.ts';
import { claimLab, requireOwnLab } from '../../provision/owner.ts';
import { formatPlan, planLab } from '../../provision/plan/plan-lab.ts';
import { planProvider } from '../../provision/plan/provider.ts';
import { formatUpSummary } from '../../provision/progress.ts';
import { ensureDist } from '../build/dist.ts';
import { ensureMongoServer } from './mongo-server.ts';
import type { LabCommand } from './run-command.ts';

export interface UpOptions {
  /** Print every command it would run; run none, need no root. */
  dryRun?: boolean;
  /** The article's open Redis (no password, bind commented out), with a warning. */
  articleExact?: boolean;
  /** Never install host packages (lab.yaml: host.install_packages: false); say what to install instead. */
  noInstall?: boolean;
  /** How to open the lab (the quick start's local fallback). */
  open?: OpenLabOptions;
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
  if (!o.noInstall) await ensureMongoServer(lab);
  if ((await ensureDist()) === 'fresh') console.log('the crawler (dist/) is up to date with its sources');
  claimLab(where, { provider: lab.choice.name, cidr: lab.config.network.cidr });
  console.log(`bringing up ${lab.nodes.map((n) => `${n.name} ${n.ip}`).join(', ')}`);
  const reports = await labUp(lab);
  console.log(formatUpSummary(reports, Date.now() - started));
  console.log('next: npm run lab:crawl');
  return 0;
}

export const upCommand: LabCommand = {
  name: 'up',
  usage: `npm run lab:up [-- --dry-run] [--article-exact] [--no-install]

Bring up the lab's machines on the best provider available and provision them
with the article's steps (Redis on the master with the two redis.conf edits,
plus a password), Node.js, the crawler and the mini-Tieba site. Safe to run
again: every step checks before it changes.

  --dry-run        print every command it would run (docs/lab-commands.md); runs none, needs no root
  --article-exact  the article's open Redis (no password, bind commented out), with a warning;
                   later commands follow that mode until lab:up runs again without the flag
  --no-install     never install this host's missing packages (as root with apt, lab:up installs
                   what the chosen provider needs, naming each; lab.yaml: host.install_packages: false)`,
  options: {
    'dry-run': { type: 'boolean' },
    'article-exact': { type: 'boolean' },
    'no-install': { type: 'boolean' },
  },
  run: ({ values }) =>
    up({
      dryRun: Boolean(values['dry-run']),
      articleExact: Boolean(values['article-exact']),
      noInstall: Boolean(values['no-install']),
    }),
};
