import { CrawlError } from '../../errors.ts';

/** The article's default: the first 100 list pages (pn = 0, 50, ..., 4950) of the bar 聊天. */
export const DEFAULT_LIST_PAGES = 100;

/**
 * Crawl options of the Tieba spider. They travel in request meta, from the
 * seed entry to every request derived from it, because crawler settings are a
 * closed, validated set and these belong to one crawl of one bar:
 *   crawl seed tieba '{"url":"https://tieba.baidu.com/f?kw=...&ie=utf-8&pn=0",
 *                      "meta":{"maxListPages":100,"allPages":true}}'
 */
export interface TiebaOptions {
  /** List pages to crawl: pn = 0, 50, ..., (maxListPages - 1) * 50. @default 100 */
  maxListPages: number;
  /** Every page of each thread (true) or the first page only. @default false */
  allPages: boolean;
  /** The server's date (YYYY-MM-DD, China time), to date list labels like '13:05'. @default none */
  today: string | undefined;
}

function bad(name: string, value: unknown, rule: string): CrawlError {
  return new CrawlError(
    'CRAWL_E_CALLBACK',
    `tieba spider: meta.${name} must be ${rule}, got ${JSON.stringify(value)}`,
    {
      hint: `fix "${name}" in the seed entry's "meta", e.g. crawl seed tieba '{"url":"...","meta":{"maxListPages":100,"allPages":true}}'`,
    },
  );
}

/** Read the options from a request's meta; absent = default, present but wrong = an error that says so. */
export function optionsOf(meta: Readonly<Record<string, unknown>>): TiebaOptions {
  const { maxListPages = DEFAULT_LIST_PAGES, allPages = false, today } = meta;
  if (typeof maxListPages !== 'number' || !Number.isInteger(maxListPages) || maxListPages < 1)
    throw bad('maxListPages', maxListPages, 'a whole number of list pages, 1 or more');
  if (typeof allPages !== 'boolean') throw bad('allPages', allPages, 'true or false');
  if (today !== undefined && (typeof today !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(today)))
    throw bad('today', today, 'a date written YYYY-MM-DD');
  return { maxListPages, allPages, today };
}

/** The options as meta for child requests (only what differs from the defaults). */
export function metaOf(o: TiebaOptions): Record<string, unknown> {
  const meta: Record<string, unknown> = {};
  if (o.maxListPages !== DEFAULT_LIST_PAGES) meta['maxListPages'] = o.maxListPages;
  if (o.allPages) meta['allPages'] = true;
  if (o.today !== undefined) meta['today'] = o.today;
  return meta;
}
