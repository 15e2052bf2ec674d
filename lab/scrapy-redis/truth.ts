import type { MergedStore } from '../items/store.ts';
import {
  checkFetches,
  type Difference,
  fetchesAreExact,
  type GroundTruth,
  type StoreCheck,
  type TruthCheck,
} from '../runner/truth-check.ts';
import type { HitLog } from '../site/server.ts';

/**
 * The truth check of the article's workers (tieba_spider.py). They fetch what
 * the article's spider fetched: every list page and page 1 of every thread,
 * one item per thread with its title and the first page's floors (not our
 * spider's full document). So the site's hit log is checked against those
 * pages, each once, and the store thread by thread: every thread of the site
 * stored once, nothing else. Its fields are not compared.
 */

const ARTICLE_PAGE = /^\/f\?pn=\d+$|^\/p\/\d+\?pn=1$/;

/** The ground truth narrowed to what the article's spider fetches. */
export function articleTruth(truth: GroundTruth): GroundTruth {
  const pageNames = truth.pageNames.filter((p) => ARTICLE_PAGE.test(p));
  return { ...truth, pageNames, pages: pageNames.length };
}

/** The store, thread by thread: lost, extra, stored more than once. */
export function checkThreads(store: MergedStore, truth: GroundTruth): StoreCheck {
  const differences: Difference[] = [];
  const wanted = new Set(truth.docs.map((d) => String(d.tid)));
  let lost = 0;
  let extra = 0;
  for (const tid of wanted) {
    if (store.docs.has(tid)) continue;
    if (++lost <= 5) differences.push({ kind: 'missing', what: `thread ${tid}` });
  }
  for (const key of store.docs.keys()) {
    if (wanted.has(key)) continue;
    if (++extra <= 5) differences.push({ kind: 'extra', what: `key ${key}` });
  }
  for (const key of store.repeatedKeys) differences.push({ kind: 'duplicated', what: `thread ${key}` });
  return {
    source: store.source,
    expected: wanted.size,
    found: store.docs.size,
    lost,
    duplicated: store.repeated,
    extra,
    wrong: 0,
    unreadable: store.unreadable,
    differences,
  };
}

/** Both halves, in the shape of our own truth check (so lab:crawl prints it the same way). */
export function checkArticleTruth(store: MergedStore, hits: HitLog, truth: GroundTruth): TruthCheck {
  const t = articleTruth(truth);
  const s = checkThreads(store, t);
  const f = checkFetches(hits, t);
  const storeExact = s.lost === 0 && s.extra === 0 && s.duplicated === 0 && s.unreadable === 0;
  return {
    exact: storeExact && fetchesAreExact(f),
    complete: s.lost === 0 && s.extra === 0 && s.unreadable === 0 && f.notFetched === 0 && f.extra === 0,
    store: s,
    fetches: f,
    differences: [...s.differences, ...f.differences],
  };
}
