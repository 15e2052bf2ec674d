import {
  closeSync,
  createWriteStream,
  mkdirSync,
  openSync,
  readSync,
  statSync,
  type WriteStream,
} from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError, CrawlError } from '../errors.ts';
import type { Item } from '../spiders/spider.ts';
import { csvHeader, csvRow, type FeedFormat, feedFormatOf, parseCsvHeader } from './feed-formats.ts';
import type { ItemContext, PipelineStep } from './types.ts';

export interface FeedSinkOptions {
  /** Empty the file when the sink opens (`--overwrite`, Scrapy -O) instead of appending. */
  overwrite?: boolean;
  /** Add the item's stable key as `_key` (setting feedItemKey; the lab's truth check merges by it). */
  itemKey?: boolean;
}

/**
 * Writes items to `--output FILE` in the format its extension names (feed-formats.ts):
 * - `.jsonl`/`.jl`: one JSON object a line, appended; crash-safe line by line.
 * - `.json`: one JSON array; `[` at open, `]` at close (a clean stop, Ctrl-C included).
 *   A worker killed with -9 leaves the array unclosed. Appending to a non-empty .json
 *   file would make it invalid, so that needs `--overwrite`.
 * - `.csv`: a header, then one row per item. Columns = the first item's fields (Scrapy's
 *   CsvItemExporter), or the existing header when appending; fields a later item adds
 *   are left out, said once on the log. Objects and arrays are written as JSON.
 * Items are written as the spider yielded them; `_key` only with `itemKey`.
 * Every worker writes its own file. A page re-delivered after a worker crash can add
 * its items a second time; use the Redis list or MongoDB sink where that matters.
 */
export function feedSink(path: string, o: FeedSinkOptions = {}): PipelineStep {
  const full = resolve(path);
  const format: FeedFormat = feedFormatOf(path);
  let stream: WriteStream | undefined;
  let buffer: string[] = [];
  let written = 0; // JSON: items in the array so far
  let columns: string[] | undefined; // CSV
  let warnedExtra = false;

  function encode(item: Item, ctx: ItemContext): string {
    const out: Item = o.itemKey ? { _key: ctx.key, ...item } : item;
    if (format === 'jsonl') return `${JSON.stringify(out)}\n`;
    if (format === 'json') return `${written++ === 0 ? '\n' : ',\n'}${JSON.stringify(out)}`;
    let head = '';
    if (!columns) {
      columns = Object.keys(out);
      head = csvHeader(columns);
    }
    if (!warnedExtra && Object.keys(out).some((k) => !columns!.includes(k))) {
      warnedExtra = true;
      ctx.log.warn(
        `${full}: an item has fields beyond the CSV columns (${columns.join(', ')}); they are left out`,
      );
    }
    return head + csvRow(columns, out);
  }

  return {
    name: `feed-${format}`,
    async open() {
      mkdirSync(dirname(full), { recursive: true });
      const size = existingSize(full);
      if (!o.overwrite && size > 0) {
        if (format === 'json') {
          throw new ConfigError(
            'CRAWL_E_FEED_APPEND',
            `${full} already holds data; items cannot be appended to a JSON array`,
            {
              value: full,
              hint: 'add --overwrite to replace it, or write JSON lines (--output items.jsonl), which append',
            },
          );
        }
        if (format === 'csv') columns = parseCsvHeader(firstLine(full));
      }
      stream = createWriteStream(full, { flags: o.overwrite ? 'w' : 'a' });
      await new Promise<void>((ok, fail) => {
        stream!.once('open', () => ok());
        stream!.once('error', (cause) =>
          fail(
            new CrawlError('CRAWL_E_SINK', `cannot open ${full} for items`, {
              cause,
              hint: 'check the --output path and its permissions',
            }),
          ),
        );
      });
      if (format === 'json') buffer.push('[');
    },
    processItem(item: Item, ctx: ItemContext) {
      buffer.push(encode(item, ctx));
      return item;
    },
    async flush() {
      if (!stream || buffer.length === 0) return;
      const chunk = buffer.join('');
      buffer = [];
      await new Promise<void>((ok, fail) => stream!.write(chunk, (err) => (err ? fail(err) : ok())));
    },
    async close() {
      if (!stream) return;
      if (format === 'json') buffer.push(written > 0 ? '\n]\n' : ']\n');
      await this.flush?.();
      await new Promise<void>((ok) => stream!.end(() => ok()));
      stream = undefined;
    },
  };
}

function existingSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** The first line of a file (a CSV header), read without loading the file. */
function firstLine(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const chunk = Buffer.alloc(64 * 1024);
    const n = readSync(fd, chunk, 0, chunk.length, 0);
    const text = chunk.subarray(0, n).toString('utf8');
    const end = text.indexOf('\n');
    return end === -1 ? text : text.slice(0, end);
  } finally {
    closeSync(fd);
  }
}
