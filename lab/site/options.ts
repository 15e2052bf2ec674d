import { ConfigError } from '../../common/errors.ts';

/**
 * Options of the mini-Tieba site (the lab's offline crawl target). These belong
 * to the site, not to the crawler, so they live here rather than in
 * crawler/settings/defaults.ts. Unknown keys are rejected so a typo cannot
 * silently fall back to a default.
 */
export type Markup = '2024' | '2017';

export interface SiteOptions {
  /** Address to bind. @default '127.0.0.1' */
  host: string;
  /** Port to bind; 0 picks a free one. @default 0 */
  port: number;
  /** Forum (吧) name, the `kw` of list URLs. @default '聊天' */
  bar: string;
  /** Forum id (PageData.forum.id, `fid` of totalComment). @default 9532 */
  fid: number;
  /** Number of list pages; threads = listPages × threadsPerPage. @default 100 */
  listPages: number;
  /** Rows per list page, and the step of `pn` (Tieba: 50). @default 50 */
  threadsPerPage: number;
  /** Floors per thread page (Tieba: 30). @default 30 */
  floorsPerPage: number;
  /** Longest thread, in pages. Most threads have 1 page, some 2..max. @default 3 */
  maxThreadPages: number;
  /** Most sub-comments (楼中楼) on one floor. Above 10, /p/comment pages 2.. are needed. @default 10 */
  maxSubComments: number;
  /** Pinned (is_top) threads: the first rows of list page 1. @default 3 */
  pinnedThreads: number;
  /** Seed of all generated data and the site's fixed "now". @default 1 */
  seed: number;
  /** Artificial delay before every response, in ms. @default 0 */
  latencyMs: number;
  /** Page markup: today's (BigPipe, IP tails) or the 2017 one the article's XPaths fit. @default '2024' */
  markup: Markup;
  /** Fault knob: the first N requests of each URL answer 503. @default 0 */
  failFirst: number;
  /** Budget of the rendered-page cache, in MiB. @default 128 */
  cacheMb: number;
}

export const SITE_DEFAULTS: Readonly<SiteOptions> = Object.freeze({
  host: '127.0.0.1',
  port: 0,
  bar: '聊天',
  fid: 9532,
  listPages: 100,
  threadsPerPage: 50,
  floorsPerPage: 30,
  maxThreadPages: 3,
  maxSubComments: 10,
  pinnedThreads: 3,
  seed: 1,
  latencyMs: 0,
  markup: '2024',
  failFirst: 0,
  cacheMb: 128,
});

/** Integer ranges; bounds keep start-up work (all counts are computed eagerly) small. */
const RANGES: Partial<Record<keyof SiteOptions, readonly [number, number]>> = {
  port: [0, 65535],
  fid: [1, 2 ** 31 - 1],
  listPages: [1, 2000],
  threadsPerPage: [1, 100],
  floorsPerPage: [1, 100],
  maxThreadPages: [1, 20],
  maxSubComments: [0, 100],
  pinnedThreads: [0, 100],
  seed: [0, 2 ** 32 - 1],
  latencyMs: [0, 60_000],
  failFirst: [0, 100],
  cacheMb: [0, 16_384],
};

/** Option name as a CLI flag: listPages -> --list-pages. */
export function flagOf(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

function invalid(key: string, value: unknown, rule: string): ConfigError {
  const shown = typeof value === 'string' ? `"${value}"` : String(value);
  return new ConfigError(
    'CRAWL_E_SETTING_INVALID',
    `site option "${key}" must be ${rule}, got ${shown} (${typeof value})`,
    {
      hint: `pass ${flagOf(key)} with ${rule} (or leave it out: the default is ${JSON.stringify(SITE_DEFAULTS[key as keyof SiteOptions])})`,
      option: key,
      value,
    },
  );
}

/** Defaults + validation. Throws ConfigError naming the option, the value and the fix. */
export function resolveSiteOptions(input: Partial<SiteOptions> = {}): SiteOptions {
  const out: Record<string, unknown> = { ...SITE_DEFAULTS };
  for (const [key, value] of Object.entries(input)) {
    if (!Object.hasOwn(SITE_DEFAULTS, key)) {
      throw new ConfigError('CRAWL_E_SETTING_UNKNOWN', `unknown site option "${key}"`, {
        hint: `use one of: ${Object.keys(SITE_DEFAULTS).join(', ')}`,
        option: key,
      });
    }
    if (value !== undefined) out[key] = value;
  }
  for (const [key, range] of Object.entries(RANGES)) {
    const v = out[key];
    const rule = `an integer from ${range[0]} to ${range[1]}`;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < range[0] || v > range[1])
      throw invalid(key, v, rule);
  }
  for (const key of ['host', 'bar'] as const) {
    const v = out[key];
    if (typeof v !== 'string' || v.trim() === '' || v.length > 64)
      throw invalid(key, v, 'a non-empty string');
  }
  if (out['markup'] !== '2024' && out['markup'] !== '2017')
    throw invalid('markup', out['markup'], '"2024" or "2017"');
  const opts = out as unknown as SiteOptions;
  if (opts.pinnedThreads > opts.threadsPerPage) {
    throw invalid(
      'pinnedThreads',
      opts.pinnedThreads,
      `at most threadsPerPage (${opts.threadsPerPage}): pinned rows sit on list page 1`,
    );
  }
  return opts;
}
