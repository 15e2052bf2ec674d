import { extname } from 'node:path';
import { ConfigError } from '../errors.ts';
import type { Item } from '../spiders/spider.ts';

/**
 * The item file formats of `--output`, chosen by the file's extension (Scrapy's
 * FEEDS formats): JSON lines, one JSON array, or CSV with a header. Pure text;
 * feed-sink.ts does the file I/O.
 */
export type FeedFormat = 'jsonl' | 'json' | 'csv';

export const FEED_EXTENSIONS: Readonly<Record<string, FeedFormat>> = {
  '.jsonl': 'jsonl',
  '.jl': 'jsonl',
  '.json': 'json',
  '.csv': 'csv',
};

/** The format for an --output path, or a ConfigError naming the value and the extensions known. */
export function feedFormatOf(path: string): FeedFormat {
  const ext = extname(path).toLowerCase();
  const format = FEED_EXTENSIONS[ext];
  if (format) return format;
  throw new ConfigError(
    'CRAWL_E_FEED_FORMAT',
    `--output (feedUri) got ${JSON.stringify(path)}: the extension ${ext ? `"${ext}"` : '(none)'} names no item format`,
    {
      setting: 'feedUri',
      value: path,
      hint: `end the file name with ${Object.keys(FEED_EXTENSIONS).join(', ')} (JSON lines, JSON lines, a JSON array, CSV), e.g. --output items.jsonl`,
    },
  );
}

/** One CSV field (RFC 4180): objects as JSON, null/undefined empty, quoted when needed. */
export function csvField(value: unknown): string {
  const text =
    value === undefined || value === null
      ? ''
      : typeof value === 'object'
        ? JSON.stringify(value)
        : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvRow(fields: readonly string[], item: Item): string {
  return `${fields.map((f) => csvField(item[f])).join(',')}\r\n`;
}

export function csvHeader(fields: readonly string[]): string {
  return `${fields.map((f) => csvField(f)).join(',')}\r\n`;
}

/** The column names of a CSV header line this sink wrote (quoted names included). */
export function parseCsvHeader(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(field);
      field = '';
    } else if (c !== '\r' && c !== '\n') field += c;
  }
  out.push(field);
  return out;
}
