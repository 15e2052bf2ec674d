import type { Redis } from 'ioredis';
import { redactUrl } from '../../../common/redact.ts';
import { printLine } from '../../../common/terminal.ts';
import { ConfigError } from '../../errors.ts';
import { connectAdmin } from '../../redis-admin.ts';
import { type CrawlInspection, inspectCrawl } from '../../scheduler/admin.ts';
import { keysFor } from '../../scheduler/keys.ts';
import type { Settings } from '../../settings/defaults.ts';
import { STAT } from '../../stats.ts';
import { type Flags, parseCommand, str } from '../args.ts';
import { adminLoading, commandContext } from '../context.ts';
import { formatInspection } from './inspect-format.ts';

export const INSPECT_HELP = `crawl inspect <spider> [--redis URL] [--json] [--watch [--interval S] [--count N]]

Show what the crawl keeps in Redis (the article looked with a desktop Redis
GUI): queue length and the next requests with their priority, fingerprint
count and memory, leases held per worker, start URLs waiting, items stored
in the Redis list, a stats summary and the workers.
  --json          one JSON object (one per refresh with --watch)
  --watch         refresh until Ctrl-C
  --interval S    seconds between refreshes (default 2)
  --count N       stop after N refreshes (default: until Ctrl-C)`;

const NEXT = 5;

export interface NextRequest {
  url: string;
  priority: number | undefined;
}

/** Everything `crawl inspect` shows. */
export interface Inspection extends Omit<CrawlInspection, 'nextRequests'> {
  spider: string;
  redis: string;
  nextRequests: NextRequest[];
  itemsInRedis: number;
  summary: { pages: number; items: number; retries: number; errors: number; duplicatesFiltered: number };
}

function parseMember(member: string): NextRequest {
  try {
    const r = JSON.parse(member.slice(member.indexOf('|') + 1)) as { url?: unknown; priority?: unknown };
    return { url: String(r.url), priority: typeof r.priority === 'number' ? r.priority : undefined };
  } catch {
    return { url: member.slice(0, 200), priority: undefined };
  }
}

/** The head of the queue in hand-out order, with priorities (queue members are '<seq>|<request JSON>'). */
async function nextRequests(redis: Redis, key: string, settings: Settings): Promise<NextRequest[]> {
  const type = await redis.type(key);
  let members: string[] = [];
  if (type === 'zset') members = await redis.zrange(key, 0, String(NEXT - 1));
  else if (type === 'list' && settings.schedulerQueueClass === 'lifo')
    members = (await redis.lrange(key, -NEXT, -1)).reverse();
  else if (type === 'list') members = await redis.lrange(key, 0, NEXT - 1);
  return members.map(parseMember);
}

export async function inspect(redis: Redis, spider: string, settings: Settings): Promise<Inspection> {
  const keys = keysFor(spider, settings);
  const [info, next, itemsType] = await Promise.all([
    inspectCrawl(redis, spider, settings),
    nextRequests(redis, keys.requests, settings),
    redis.type(keys.items),
  ]);
  const stat = (k: string) => Number(info.stats[k] ?? 0) || 0;
  return {
    spider,
    redis: redactUrl(settings.redisUrl),
    ...info,
    nextRequests: next,
    itemsInRedis: itemsType === 'list' ? await redis.llen(keys.items) : 0,
    summary: {
      pages: stat(STAT.pages),
      items: stat(STAT.items),
      retries: stat(STAT.retries),
      errors: stat(STAT.errors),
      duplicatesFiltered: stat(STAT.duplicatesFiltered),
    },
  };
}

function positive(flags: Flags, name: string, fallback: number, integer: boolean): number {
  const raw = str(flags, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || n > 86_400 || (integer && !Number.isInteger(n))) {
    throw new ConfigError(
      'CRAWL_E_USAGE',
      `crawl inspect: --${name} must be a positive ${integer ? 'whole ' : ''}number, got "${raw}"`,
      {
        hint: name === 'interval' ? 'e.g. --interval 2 (seconds; 0.5 is allowed)' : 'e.g. --count 10',
      },
    );
  }
  return n;
}

export async function inspectCommand(argv: string[]): Promise<number> {
  const { flags, positionals } = parseCommand(
    argv,
    { watch: { type: 'boolean' }, interval: { type: 'string' }, count: { type: 'string' } },
    INSPECT_HELP,
  );
  if (flags['help']) {
    console.log(INSPECT_HELP);
    return 0;
  }
  const intervalMs = positive(flags, 'interval', 2, false) * 1000;
  const count = flags['watch'] ? positive(flags, 'count', Number.POSITIVE_INFINITY, true) : 1;
  const ctx = await commandContext(positionals[0], flags, 'inspect', { nameOnly: true });
  const redis = await connectAdmin(ctx.settings.redisUrl, adminLoading(ctx));
  // Ctrl-C ends the watch between refreshes; the exit code stays 0 (a stop asked for)
  let stopped = false;
  let wake: () => void = () => {};
  const onSignal = () => {
    stopped = true;
    wake();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    for (let i = 0; i < count && !stopped; i++) {
      if (i > 0) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, intervalMs);
        });
        if (stopped) break;
      }
      const view = await inspect(redis, ctx.spider.name, ctx.settings);
      if (flags['json']) printLine(JSON.stringify(view));
      else {
        // clear the screen and go home, like `watch`, only when a terminal shows it
        if (flags['watch'] && process.stdout.isTTY) process.stdout.write('\x1b[2J\x1b[H');
        printLine(formatInspection(view, new Date()));
      }
    }
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    redis.disconnect();
  }
}
