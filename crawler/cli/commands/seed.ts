import { readFileSync } from 'node:fs';
import { printLine } from '../../../common/terminal.ts';
import { ConfigError } from '../../errors.ts';
import { toCrawlRequest } from '../../http/request.ts';
import { connectAdmin } from '../../redis-admin.ts';
import { seedStartUrls } from '../../scheduler/admin.ts';
import type { Spider } from '../../spiders/spider.ts';
import { parseCommand, str } from '../args.ts';
import { adminLoading, commandContext } from '../context.ts';

export const SEED_HELP = `crawl seed <spider> [url-or-json ...] [options]

Push start URLs to <prefix>:start_urls (a LIST, or a SET with
redisStartUrlsAsSet=true). Each entry is a URL or a JSON request such as
'{"url":"https://host/f?pn=0","priority":5,"meta":{"page":1}}' (keys: url,
method, body, headers, meta, priority, callback, dontFilter). Entries are
checked before they are pushed; bad ones are listed and not pushed. With no
entries, the spider's own startUrls are pushed. Start URLs go through the
fingerprint filter when a worker takes them, so seeding twice is harmless.

  --file FILE           read entries from FILE, one per line
  --redis URL, --set NAME=VALUE, --config FILE, --json   as for crawl run`;

export async function seedCommand(argv: string[]): Promise<number> {
  const { flags, positionals } = parseCommand(argv, { file: { type: 'string' } }, SEED_HELP);
  if (flags['help']) {
    console.log(SEED_HELP);
    return 0;
  }
  const ctx = await commandContext(positionals[0], flags, 'seed');
  let entries = positionals.slice(1);
  const file = str(flags, 'file');
  if (file)
    entries = entries.concat(
      readFileSync(file, 'utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean),
    );
  if (entries.length === 0) {
    entries = spiderStartEntries(ctx.spider);
  }
  if (entries.length === 0) {
    throw new ConfigError(
      'CRAWL_E_USAGE',
      `spider "${ctx.spider.name}" has no startUrls and no URL was given`,
      {
        hint: `crawl seed ${ctx.spider.name} https://example.com/`,
      },
    );
  }
  if (ctx.settings.redisUrl === 'memory') {
    throw new ConfigError('CRAWL_E_USAGE', 'crawl seed needs Redis; redisUrl is "memory"', {
      hint: 'pass --redis redis://host:6379/0',
    });
  }
  const redis = await connectAdmin(ctx.settings.redisUrl, adminLoading(ctx));
  try {
    const result = await seedStartUrls(redis, ctx.spider.name, ctx.settings, entries);
    if (flags['json']) printLine(JSON.stringify(result));
    else {
      printLine(`pushed ${result.pushed} start URL(s) for "${ctx.spider.name}"`);
      for (const r of result.rejected)
        printLine(`  rejected ${JSON.stringify(r.entry).slice(0, 120)}: ${r.reason}`);
    }
    return result.rejected.length > 0 && result.pushed === 0 ? 1 : 0;
  } finally {
    redis.disconnect();
  }
}

/**
 * A spider's own startUrls as start entries: plain URLs stay plain, request objects
 * become the queue's JSON form (callbacks given as methods become their names).
 */
export function spiderStartEntries(spider: Spider): string[] {
  return (spider.startUrls ?? []).map((u) => (typeof u === 'string' ? u : JSON.stringify(toCrawlRequest(u))));
}
