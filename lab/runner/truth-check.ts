import { isDeepStrictEqual } from 'node:util';
import { CrawlError } from '../../common/errors.ts';
import { hostSiteUrl, type Lab } from '../../provision/lab.ts';
import type { ItemSink } from '../items/sink.ts';
import { type MergedStore, readLabItems } from '../items/store.ts';
import { actual, expected } from '../site/compare.ts';
import { SiteData } from '../site/data.ts';
import { resolveSiteOptions } from '../site/options.ts';
import { crawlPages } from '../site/pages.ts';
import { HITS_PATH, type HitLog } from '../site/server.ts';
import { type ThreadDoc, type Truth, truthDocuments } from '../site/truth.ts';

/**
 * The truth check of a lab crawl of the mini-Tieba site (lab:crawl, lab:chaos,
 * the demo): the item store compared document by document with the site's
 * ground truth (MongoDB, or every node's JSON lines merged), and the site's
 * own hit log compared with "each page fetched once". Both sides come from
 * the site: the documents and the page list are rebuilt from its options
 * (the site is deterministic) and checked against what the running site
 * serves at /__truth; the hits are what it counted.
 */

/** What a complete crawl of the lab's mini-Tieba must produce. */
export interface GroundTruth {
  /** Pages a complete crawl fetches (= pageNames.length). */
  pages: number;
  /** Their names (lab/site/pages.ts), each to be fetched once. */
  pageNames: string[];
  docs: ThreadDoc[];
  allPages: boolean;
}

export async function labGroundTruth(lab: Lab): Promise<GroundTruth> {
  const { site, crawl } = lab.config;
  const data = new SiteData(
    resolveSiteOptions({ listPages: crawl.listPages, seed: site.seed, latencyMs: site.latencyMs }),
  );
  const url = `${await hostSiteUrl(lab)}/__truth`;
  const served = (await (await fetch(url)).json()) as Truth;
  if (
    !isDeepStrictEqual(
      served.threads.tids,
      data.metas.map((m) => m.tid),
    )
  ) {
    throw new CrawlError(
      'CRAWL_E_PROVISION',
      `the site at ${url} serves another forum than lab.yaml describes`,
      {
        hint: 'run npm run lab:up again so the site restarts with the current site/crawl settings',
      },
    );
  }
  const pageNames = crawlPages(data, crawl.allPages);
  return { pages: pageNames.length, pageNames, docs: truthDocuments(data), allPages: crawl.allPages };
}

/** One difference between a crawl and the truth, for the summary and for tests to match on. */
export interface Difference {
  kind:
    | 'missing' // a thread of the site has no document in the store
    | 'extra' // a document that is no thread of the site
    | 'duplicated' // an item stored more than once
    | 'wrong' // a document differs from the truth (a field, floor or sub-comment)
    | 'unreadable' // records of the store that are not items
    | 'not fetched' // a page the crawl should have fetched and did not
    | 'fetched twice' // a page the site served more than once
    | 'extra fetch'; // a request that is not a page a complete crawl fetches
  /** "thread 8000001234", "/p/8000001234?pn=2 (2 times)", ... */
  what: string;
}

/** How many differences of each kind a check names (the counts are always complete). */
const NAMED_PER_KIND = 5;

export interface StoreCheck {
  source: string;
  /** documents the truth has */
  expected: number;
  /** documents in the store */
  found: number;
  /** truth documents missing from the store */
  lost: number;
  /** items stored more than once (see MergedStore.repeated) */
  duplicated: number;
  /** store documents no truth document has */
  extra: number;
  /** documents present but different from the truth (a field, a floor or sub-comment missing or wrong) */
  wrong: number;
  /** lines that are not items */
  unreadable: number;
  /** the first few differences of each kind */
  differences: Difference[];
}

export function checkStore(store: MergedStore, truth: GroundTruth): StoreCheck {
  const differences: Difference[] = [];
  const name = (kind: Difference['kind'], what: string, count: number) => {
    if (count <= NAMED_PER_KIND) differences.push({ kind, what });
  };
  const keys = new Set(truth.docs.map((d) => String(d.tid)));
  let lost = 0;
  let wrong = 0;
  for (const doc of truth.docs) {
    const got = store.docs.get(String(doc.tid));
    if (!got) name('missing', `thread ${doc.tid}`, ++lost);
    else if (!isDeepStrictEqual(actual(got), expected(doc, truth.allPages)))
      name('wrong', `thread ${doc.tid}`, ++wrong);
  }
  let extra = 0;
  for (const key of store.docs.keys()) if (!keys.has(key)) name('extra', `key ${key}`, ++extra);
  for (const key of store.repeatedKeys) differences.push({ kind: 'duplicated', what: `thread ${key}` });
  if (store.unreadable > 0)
    differences.push({ kind: 'unreadable', what: `${store.unreadable} record(s) that are not items` });
  return {
    source: store.source,
    expected: truth.docs.length,
    found: store.docs.size,
    lost,
    duplicated: store.repeated,
    extra,
    wrong,
    unreadable: store.unreadable,
    differences,
  };
}

export function storeIsExact(c: StoreCheck): boolean {
  return (
    c.lost === 0 &&
    c.duplicated === 0 &&
    c.extra === 0 &&
    c.wrong === 0 &&
    c.unreadable === 0 &&
    c.found === c.expected
  );
}

export interface FetchCheck {
  /** pages a complete crawl fetches */
  expected: number;
  /** GETs of forum pages the site answered, by its hit log */
  fetched: number;
  /** pages of the truth the site never served */
  notFetched: number;
  /** pages the site served more than once */
  twice: number;
  /** pages served that a complete crawl does not fetch, and requests that were not pages */
  extra: number;
  differences: Difference[];
}

/** The site's hit log against "each page of the truth fetched once, nothing else". */
export function checkFetches(hits: HitLog, truth: GroundTruth): FetchCheck {
  const differences: Difference[] = [];
  const name = (kind: Difference['kind'], what: string, count: number) => {
    if (count <= NAMED_PER_KIND) differences.push({ kind, what });
  };
  const wanted = new Set(truth.pageNames);
  let notFetched = 0;
  let twice = 0;
  let extra = 0;
  let fetched = 0;
  for (const page of truth.pageNames) if (!hits.pages[page]) name('not fetched', page, ++notFetched);
  for (const [page, n] of Object.entries(hits.pages)) {
    fetched += n;
    if (!wanted.has(page)) name('extra fetch', `${page} (${n} time${n > 1 ? 's' : ''})`, ++extra);
    else if (n > 1) name('fetched twice', `${page} (${n} times)`, ++twice);
  }
  for (const [request, n] of Object.entries(hits.other))
    name('extra fetch', `${request} (${n} time${n > 1 ? 's' : ''})`, ++extra);
  return { expected: truth.pages, fetched, notFetched, twice, extra, differences };
}

export function fetchesAreExact(c: FetchCheck): boolean {
  return c.notFetched === 0 && c.twice === 0 && c.extra === 0;
}

/** The whole check: the store and the fetches. */
export interface TruthCheck {
  /** The store holds exactly the truth and the site served each page once. */
  exact: boolean;
  /**
   * Every document of the truth is in the store, as the site has it, nothing else,
   * and every page was fetched, none beyond them; some pages maybe more than once,
   * and some items written more than once to an append-only JSON-lines file (what
   * at-least-once gives when a worker is stopped or killed holding leased requests:
   * MongoDB's upserts absorb the repeats, a file keeps them).
   */
  complete: boolean;
  store: StoreCheck;
  fetches: FetchCheck;
  /** Store differences first, then fetch differences. */
  differences: Difference[];
}

async function hitLog(lab: Lab, method: 'GET' | 'DELETE'): Promise<HitLog> {
  const r = await fetch(`${await hostSiteUrl(lab)}${HITS_PATH}`, { method });
  const body = await r.text();
  if (!r.ok || !(r.headers.get('content-type') ?? '').startsWith('application/json'))
    throw new CrawlError(
      'CRAWL_E_PROVISION',
      `the site on the master has no hit log (${method} ${HITS_PATH} answered ${r.status})`,
      { hint: 'the site was deployed by an older version: run npm run lab:up again' },
    );
  return JSON.parse(body) as HitLog;
}

/** The site's hit log (what it served since its start or the last reset). */
export const readHits = (lab: Lab) => hitLog(lab, 'GET');

/** Start the site's hit log again: a fresh crawl counts from zero. */
export async function resetHits(lab: Lab): Promise<void> {
  await hitLog(lab, 'DELETE');
}

/** Check the lab's item store and the site's hit log against the ground truth (read once per check). */
export async function checkLabTruth(lab: Lab, sink: ItemSink, truth?: GroundTruth): Promise<TruthCheck> {
  const t = truth ?? (await labGroundTruth(lab));
  const [store, hits] = await Promise.all([readLabItems(lab, sink), readHits(lab)]);
  const s = checkStore(store, t);
  const f = checkFetches(hits, t);
  return {
    exact: storeIsExact(s) && fetchesAreExact(f),
    complete: storeIsExact({ ...s, duplicated: 0 }) && f.notFetched === 0 && f.extra === 0,
    store: s,
    fetches: f,
    differences: [...s.differences, ...f.differences],
  };
}
