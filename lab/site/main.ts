import { parseArgs } from 'node:util';
import { ConfigError, isCrawlError } from '../../common/errors.ts';
import { flagOf, SITE_DEFAULTS, type SiteOptions } from './options.ts';
import { startSite } from './server.ts';

/**
 * CLI: serve the mini-Tieba site until SIGINT/SIGTERM.
 * stdout line 1 is the start URL (scripts read it), line 2 a ground-truth summary.
 */

const DOCS: Record<keyof SiteOptions, string> = {
  host: 'address to bind',
  port: 'port to bind (0 = any free port)',
  bar: 'forum name, the kw of list URLs',
  fid: 'forum id',
  listPages: 'list pages (threads = list pages x threads per page)',
  threadsPerPage: 'rows per list page = pn step',
  floorsPerPage: 'floors per thread page',
  maxThreadPages: 'longest thread, in pages',
  maxSubComments: 'most sub-comments on one floor (>10 needs /p/comment pages)',
  pinnedThreads: 'pinned rows at the top of list page 1',
  seed: 'seed of all generated data',
  latencyMs: 'delay before every response, ms',
  markup: '2024 (BigPipe, IP tails) or 2017 (what the article parsed)',
  failFirst: 'the first N requests of each URL answer 503',
  cacheMb: 'rendered-page cache budget, MiB',
};

export const HELP = `Usage: npx tsx lab/site/main.ts [options]

Serves a deterministic mini-Tieba forum (list pages, threads, sub-comments,
robots.txt, /__truth and its hit log /__truth/hits) for the crawler to crawl
offline. Same options, same bytes.

Options:
${(Object.keys(DOCS) as (keyof SiteOptions)[])
  .map((k) => `  ${flagOf(k).padEnd(20)} ${DOCS[k]} (default ${SITE_DEFAULTS[k]})`)
  .join('\n')}
  --help               show this text
`;

export function parseSiteArgs(argv: string[]): Partial<SiteOptions> | 'help' {
  const spec = Object.fromEntries(
    Object.keys(SITE_DEFAULTS).map((k) => [flagOf(k).slice(2), { type: 'string' as const }]),
  );
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { ...spec, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new ConfigError(
      'CRAWL_E_USAGE',
      `site: ${error instanceof Error ? error.message : String(error)}`,
      {
        hint: 'run with --help for the list of options',
        cause: error,
      },
    );
  }
  if (values['help']) return 'help';
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(SITE_DEFAULTS)) {
    const raw = values[flagOf(key).slice(2)];
    if (typeof raw !== 'string') continue;
    const numeric = typeof SITE_DEFAULTS[key as keyof SiteOptions] === 'number';
    out[key] = numeric && /^-?\d+$/.test(raw) ? Number(raw) : raw;
  }
  return out as Partial<SiteOptions>;
}

async function main(argv: string[]): Promise<number> {
  try {
    const parsed = parseSiteArgs(argv);
    if (parsed === 'help') {
      process.stdout.write(HELP);
      return 0;
    }
    const site = await startSite(parsed);
    const t = site.truth;
    process.stdout.write(`${site.startUrl}\n`);
    process.stdout.write(
      `mini-tieba ${t.forum.name}吧 fid=${t.forum.fid} seed=${t.seed} markup=${t.markup}: ${t.listPages} list pages, ${t.threads.count} threads, ${t.threadPages} thread pages, ${t.floors} floors, ${t.subComments} sub-comments; a full crawl fetches ${t.pages.total} URLs (truth: ${site.url}/__truth)\n`,
    );
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await site.close();
    return 0;
  } catch (error) {
    if (isCrawlError(error)) {
      process.stderr.write(`site: ${error.explain()}\n`);
      return 2;
    }
    throw error;
  }
}

process.exitCode = await main(process.argv.slice(2));
