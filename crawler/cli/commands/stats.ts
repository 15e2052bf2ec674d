import { printLine } from '../../../common/terminal.ts';
import { connectAdmin } from '../../redis-admin.ts';
import { inspectCrawl, resetCrawl } from '../../scheduler/admin.ts';
import { STAT, workerStat } from '../../stats.ts';
import { parseCommand } from '../args.ts';
import { adminLoading, commandContext } from '../context.ts';
import { formatStats } from '../summary.ts';

export const STATS_HELP = `crawl stats <spider> [--redis URL] [--json]

Print the crawl's stats, added up across all workers in Redis (pages, items,
bytes, status codes, retries, duplicates filtered, ...), each worker's share,
and which workers are alive (heartbeat within leaseTimeout).`;

export const RESET_HELP = `crawl reset <spider> [--redis URL] [--json]

Delete every Redis key of the spider's crawl: queue, fingerprints, leases,
start URLs, stats, items. Workers never delete shared state themselves; this
is the one command that does. Stop the workers first.`;

export async function statsCommand(argv: string[]): Promise<number> {
  const { flags, positionals } = parseCommand(argv, {}, STATS_HELP);
  if (flags['help']) {
    console.log(STATS_HELP);
    return 0;
  }
  const ctx = await commandContext(positionals[0], flags, 'stats', { nameOnly: true });
  const redis = await connectAdmin(ctx.settings.redisUrl, adminLoading(ctx));
  try {
    const info = await inspectCrawl(redis, ctx.spider.name, ctx.settings);
    if (flags['json']) {
      printLine(JSON.stringify({ spider: ctx.spider.name, stats: info.stats, workers: info.workers }));
      return 0;
    }
    printLine(`stats of crawl "${ctx.spider.name}" (all workers):`);
    printLine(formatStats(info.stats));
    printLine(`workers (${info.workers.filter((w) => w.alive).length} alive):`);
    for (const w of info.workers) {
      const pages = info.stats[workerStat(w.id, STAT.pages)] ?? 0;
      printLine(
        `  ${w.alive ? 'alive' : 'gone '}  ${w.id.padEnd(24)} ${String(w.host).padEnd(16)} pages ${pages}  leases ${w.leases}`,
      );
    }
    return 0;
  } finally {
    redis.disconnect();
  }
}

export async function resetCommand(argv: string[]): Promise<number> {
  const { flags, positionals } = parseCommand(argv, {}, RESET_HELP);
  if (flags['help']) {
    console.log(RESET_HELP);
    return 0;
  }
  const ctx = await commandContext(positionals[0], flags, 'reset', { nameOnly: true });
  const redis = await connectAdmin(ctx.settings.redisUrl, adminLoading(ctx));
  try {
    const deleted = await resetCrawl(redis, ctx.spider.name, ctx.settings);
    if (flags['json']) console.log(JSON.stringify({ spider: ctx.spider.name, deletedKeys: deleted }));
    else console.log(`deleted ${deleted} Redis key(s) of crawl "${ctx.spider.name}"`);
    return 0;
  } finally {
    redis.disconnect();
  }
}
