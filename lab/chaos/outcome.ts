import { isDeepStrictEqual } from 'node:util';
import { CrawlError } from '../../common/errors.ts';
import type { Lab } from '../../provision/lab.ts';
import { masterOf } from '../../provision/lab.ts';
import type { MergedStore } from '../items/store.ts';
import { actual, expected } from '../site/compare.ts';
import { SiteData } from '../site/data.ts';
import { resolveSiteOptions } from '../site/options.ts';
import { computeTruth, type ThreadDoc, type Truth, truthDocuments } from '../site/truth.ts';

/**
 * What a complete crawl of the lab's mini-Tieba must produce: the page count
 * and one document per thread. The documents are rebuilt here from the site's
 * options (the site is deterministic) and checked against what the running
 * site serves at /__truth, so a site started with other options is noticed.
 */
export interface GroundTruth {
  pages: number;
  docs: ThreadDoc[];
  allPages: boolean;
}

export async function labGroundTruth(lab: Lab): Promise<GroundTruth> {
  const { site, crawl } = lab.config;
  const data = new SiteData(
    resolveSiteOptions({ listPages: crawl.listPages, seed: site.seed, latencyMs: site.latencyMs }),
  );
  const local = computeTruth(data);
  const url = `http://${masterOf(lab).ip}:${site.port}/__truth`;
  const served = (await (await fetch(url)).json()) as Truth;
  if (!isDeepStrictEqual(served.threads.tids, local.threads.tids)) {
    throw new CrawlError(
      'CRAWL_E_PROVISION',
      `the site at ${url} serves another forum than lab.yaml describes`,
      {
        hint: 'run npm run lab:up again so the site restarts with the current site/crawl settings',
      },
    );
  }
  // all_pages: false fetches every list page, one page and one sub-comment JSON per thread
  const pages = crawl.allPages ? served.pages.total : served.pages.list + 2 * served.threads.count;
  return { pages, docs: truthDocuments(data), allPages: crawl.allPages };
}

export interface StoreCheck {
  source: string;
  /** documents the truth has */
  expected: number;
  /** documents in the store */
  found: number;
  /** truth documents missing from the store */
  lost: number;
  /** items stored more than once (see MergedStore.repeated), plus store documents no truth document has */
  duplicated: number;
  /** documents present but different from the truth (a floor or sub-comment missing or wrong) */
  wrong: number;
  /** lines that are not items */
  unreadable: number;
  /** the first few differences, for the report */
  examples: string[];
}

export function checkStore(store: MergedStore, truth: GroundTruth): StoreCheck {
  const examples: string[] = [];
  const keys = new Set(truth.docs.map((d) => String(d.tid)));
  let lost = 0;
  let wrong = 0;
  for (const doc of truth.docs) {
    const got = store.docs.get(String(doc.tid));
    if (!got) {
      lost++;
      if (examples.length < 5) examples.push(`thread ${doc.tid}: missing`);
    } else if (!isDeepStrictEqual(actual(got), expected(doc, truth.allPages))) {
      wrong++;
      if (examples.length < 5) examples.push(`thread ${doc.tid}: differs from the site's truth`);
    }
  }
  let phantom = 0;
  for (const key of store.docs.keys()) {
    if (keys.has(key)) continue;
    phantom++;
    if (examples.length < 5) examples.push(`key ${key}: not a thread of the site`);
  }
  if (store.repeated > 0 && examples.length < 5)
    examples.push(`${store.repeated} item(s) stored more than once`);
  return {
    source: store.source,
    expected: truth.docs.length,
    found: store.docs.size,
    lost,
    duplicated: store.repeated + phantom,
    wrong,
    unreadable: store.unreadable,
    examples,
  };
}

export function storeIsExact(c: StoreCheck): boolean {
  return c.lost === 0 && c.duplicated === 0 && c.wrong === 0 && c.unreadable === 0 && c.found === c.expected;
}
