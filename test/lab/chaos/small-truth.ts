import type { GroundTruth } from '../../../lab/runner/truth-check.ts';
import { expected } from '../../../lab/site/compare.ts';
import { SiteData } from '../../../lab/site/data.ts';
import { resolveSiteOptions } from '../../../lab/site/options.ts';
import { crawlPages } from '../../../lab/site/pages.ts';
import { truthDocuments } from '../../../lab/site/truth.ts';

/**
 * A small site's ground truth and its items as the Tieba spider stores them
 * (partial documents keyed by thread id, dotted paths): a list row and a
 * thread page per thread, as JSON lines, built from the truth's expected
 * documents (every field the spider yields) — the item store tests check the
 * merge and the comparison, the crawl tests check the spider.
 */
export const line = (o: Record<string, unknown>) => `${JSON.stringify(o)}\n`;

const LIST_ROW = [
  'tid',
  'title',
  'author',
  'replyNum',
  'created',
  'lastReply',
  'isTop',
  'isGood',
  'abstract',
  'listPn',
];

export async function smallTruth(): Promise<{ truth: GroundTruth; lines: string[] }> {
  const data = new SiteData(resolveSiteOptions({ listPages: 1, threadsPerPage: 3, seed: 4 }));
  const docs = truthDocuments(data);
  const lines: string[] = [];
  for (const d of docs) {
    const key = String(d.tid);
    const { floors, ...whole } = expected(d, false);
    const row: Record<string, unknown> = { _key: key, key };
    const page: Record<string, unknown> = { _key: key, key };
    for (const [field, value] of Object.entries(whole))
      (LIST_ROW.includes(field) ? row : page)[field] = value;
    for (const { subComments, ...f } of floors) {
      for (const [field, value] of Object.entries(f)) page[`floors.${f.postId}.${field}`] = value;
      for (const c of subComments ?? []) page[`floors.${f.postId}.subComments.${c.commentId}`] = c;
    }
    lines.push(line(row), line(page));
  }
  const pageNames = crawlPages(data, false);
  return { truth: { pages: pageNames.length, pageNames, docs, allPages: false }, lines };
}
