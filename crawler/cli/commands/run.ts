import { printLine } from '../../../common/terminal.ts';
import { connectAdmin } from '../../redis-admin.ts';
import { seedStartUrls } from '../../scheduler/admin.ts';
import { createWorker } from '../../worker.ts';
import { parseCommand, str } from '../args.ts';
import { adminLoading, commandContext } from '../context.ts';
import { formatSummary } from '../summary.ts';
import { spiderStartEntries } from './seed.ts';

export const RUN_HELP = `crawl run <spider> [options]

Run one worker. It leases requests from the shared Redis queue, downloads,
parses, stores items and queues the links it finds. It exits 0 when the whole
distributed crawl is finished (queue empty, no request in flight anywhere, no
start URL waiting), or after handing its in-flight requests back on Ctrl-C /
SIGTERM. If Redis does not take them back within shutdownTimeout (8 s), it
says what it gave up on and exits 1; they return after leaseTimeout. Start as
many workers as you like, on as many machines.

  <spider>              bundled name (tieba, follow-all) or a path to a spider module:
                        .ts, .js or .mjs, in any folder (compiled on load; 'crawl-lab'
                        imports resolve to this crawler)
  --redis URL           Redis holding the queue (default redis://127.0.0.1:6379/0,
                        env REDIS_URL); 'memory' = one worker, no Redis
  --output FILE         also write items to FILE, format by extension: .jsonl/.jl JSON
                        lines (appended), .json one JSON array (closed when the worker
                        stops; needs --overwrite if FILE has data), .csv CSV (header =
                        the first item's fields); only the spider's fields, plus _key
                        with --set feedItemKey=true
  --overwrite           replace FILE instead of appending to it (Scrapy -O)
  --seed                push the spider's startUrls first (duplicates are filtered,
                        so every worker may pass it)
  --worker-id NAME      name in stats and leases (default <hostname>-<pid>)
  --set NAME=VALUE      override a setting (repeatable); see crawl --help settings
  --config FILE         JSON settings file (default ./crawl.config.json if present)
  --json                print the final summary as JSON on stdout`;

export async function runCommand(argv: string[]): Promise<number> {
  const { flags, positionals } = parseCommand(
    argv,
    {
      output: { type: 'string' },
      overwrite: { type: 'boolean' },
      seed: { type: 'boolean' },
      'worker-id': { type: 'string' },
    },
    RUN_HELP,
  );
  if (flags['help']) {
    console.log(RUN_HELP);
    return 0;
  }
  const ctx = await commandContext(positionals[0], flags, 'run', {
    flagSettings: {
      feedUri: str(flags, 'output'),
      workerId: str(flags, 'worker-id'),
      ...(flags['overwrite'] ? { feedOverwrite: true } : {}),
    },
  });
  const { spider, settings, log } = ctx;
  const changed = Object.entries(ctx.origin).map(
    ([k, from]) => `${k}=${JSON.stringify(settings[k as keyof typeof settings])} (${from})`,
  );
  log.info(
    `worker starting: spider ${spider.name}, redis ${settings.redisUrl}`,
    changed.length ? { settings: changed.join(', ') } : {},
  );
  if (flags['seed'] && settings.redisUrl !== 'memory') await seedFromSpider(ctx);
  const worker = createWorker({ spider, settings, log });
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (signals === 1) {
      log.info(
        `${sig}: handing in-flight requests back, then exiting (within shutdownTimeout ${settings.shutdownTimeout} s; again to force)`,
      );
      worker.stop('shutdown');
    } else {
      log.warn(`${sig} again: exiting now; this worker's leases return to the queue after leaseTimeout`);
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const summary = await worker.run();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  if (flags['json']) printLine(JSON.stringify({ spider: spider.name, ...summary }));
  else printLine(formatSummary(spider.name, summary));
  return 0;
}

async function seedFromSpider(ctx: Awaited<ReturnType<typeof commandContext>>): Promise<void> {
  const entries = spiderStartEntries(ctx.spider);
  const redis = await connectAdmin(ctx.settings.redisUrl, adminLoading(ctx));
  try {
    const result = await seedStartUrls(redis, ctx.spider.name, ctx.settings, entries);
    ctx.log.info(`seeded ${result.pushed} start URL(s)`);
  } finally {
    redis.disconnect();
  }
}
