import type { Doc, MergedStore } from './store.ts';

/**
 * `npm run lab:items`: one crawl's items, read by the item store's code
 * (store.ts: MongoDB's documents, or every node's JSON lines merged by item
 * key), written as one file. Pure: records in, text out.
 */
export const ITEM_FORMATS = ['jsonl', 'json', 'csv'] as const;
export type ItemFormat = (typeof ITEM_FORMATS)[number];

/** One record per stored document, its item key first, in key order (the same file every time). */
export function itemRecords(store: MergedStore): Doc[] {
  return [...store.docs.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, doc]) => ({ key, ...doc }));
}

/** A CSV cell (RFC 4180): objects and arrays as JSON, quoted when needed. */
function cell(value: unknown): string {
  if (value === undefined || value === null) return '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The records as JSON lines, one JSON array, or CSV (a column per top-level field, `key` first). */
export function formatItems(records: readonly Doc[], format: ItemFormat): string {
  if (format === 'jsonl') return records.map((r) => `${JSON.stringify(r)}\n`).join('');
  if (format === 'json') return `${JSON.stringify(records, null, 2)}\n`;
  const columns = [...new Set(records.flatMap((r) => Object.keys(r)))];
  const rows = [columns.map(cell).join(','), ...records.map((r) => columns.map((c) => cell(r[c])).join(','))];
  return `${rows.join('\r\n')}\r\n`;
}
