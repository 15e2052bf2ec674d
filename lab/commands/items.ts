import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '../../common/errors.ts';
import { openLab } from '../../provision/lab.ts';
import { currentCrawl, isCrawlId } from '../items/crawls.ts';
import { formatItems, ITEM_FORMATS, type ItemFormat, itemRecords } from '../items/export.ts';
import { type ItemSink, labItemSink } from '../items/sink.ts';
import { readLabItems } from '../items/store.ts';
import type { LabCommand } from './run-command.ts';

/**
 * lab:items: one crawl's items in one file. From MongoDB where the lab's items
 * go there, else from every node's `items/<crawl>.jsonl`, merged by item key
 * with the item store's own reading code (lab/items/store.ts).
 */
export interface ItemsOptions {
  /** @default 'jsonl' */
  format?: string;
  /** The file to write; '-' for standard output. @default items-<crawl>.<format> here */
  out?: string;
  /** A crawl id (lab:crawl's summary names it). @default the current crawl */
  crawl?: string;
  /** 'nodes' or 'mongodb'. @default where the lab's items go (MongoDB when it answers) */
  from?: string;
}

const SOURCES = ['nodes', 'mongodb'] as const;

function usageError(field: string, value: string, fix: string): ConfigError {
  return new ConfigError('CRAWL_E_USAGE', `--${field} ${JSON.stringify(value)} is not valid`, { hint: fix });
}

export async function items(o: ItemsOptions = {}): Promise<number> {
  const format = (o.format ?? 'jsonl') as ItemFormat;
  if (!ITEM_FORMATS.includes(format))
    throw usageError('format', String(o.format), `use one of ${ITEM_FORMATS.join(', ')}`);
  if (o.from !== undefined && !(SOURCES as readonly string[]).includes(o.from))
    throw usageError(
      'from',
      o.from,
      `use one of ${SOURCES.join(', ')} (or leave it out: where the lab's items go)`,
    );
  if (o.crawl !== undefined && !isCrawlId(o.crawl))
    throw usageError('crawl', o.crawl, 'give a crawl id as lab:crawl prints it, e.g. 20261206-184512');
  const lab = await openLab({ log: (line) => console.error(line) });
  const current = currentCrawl(lab.stateDir);
  const crawl = o.crawl ?? current?.id;
  if (crawl === undefined)
    throw new ConfigError('CRAWL_E_USAGE', `the lab has no crawl yet (no ${lab.stateDir}/crawl.json)`, {
      hint: 'crawl first: npm run lab:crawl',
    });
  const sink = await chooseSource(lab, o.from, crawl, current?.id);
  const store = await readLabItems(lab, sink, crawl);
  const records = itemRecords(store);
  if (records.length === 0) {
    // nothing to write is an answer, not an empty file
    console.error(
      `lab:items: no items of crawl ${crawl} in ${store.source}${crawl === current?.id ? '' : ` (the current crawl is ${current?.id ?? 'none'})`}`,
    );
    return 1;
  }
  const text = formatItems(records, format);
  const out = o.out ?? `items-${crawl}.${format}`;
  if (out === '-') process.stdout.write(text);
  else writeFileSync(resolve(out), text);
  const notes = [
    ...(store.repeated ? [`${store.repeated} stored more than once (kept once)`] : []),
    ...(store.unreadable ? [`${store.unreadable} unreadable records left out`] : []),
  ];
  console.error(
    `${records.length} items of crawl ${crawl} from ${store.source} -> ${out === '-' ? 'standard output' : resolve(out)} (${format})${notes.length ? `; ${notes.join(', ')}` : ''}`,
  );
  return 0;
}

/** The lab's own sink, or the one --from names; MongoDB holds only the current crawl. */
async function chooseSource(
  lab: Awaited<ReturnType<typeof openLab>>,
  from: string | undefined,
  crawl: string,
  current: string | undefined,
): Promise<ItemSink> {
  if (from === 'nodes') return { kind: 'jsonl', why: '--from nodes' };
  const sink = await labItemSink(lab);
  if (sink.kind === 'mongodb' && crawl !== current) {
    if (from === 'mongodb')
      throw usageError(
        'crawl',
        crawl,
        `MongoDB holds only the current crawl (${current}): leave --crawl out, or use --from nodes`,
      );
    return { kind: 'jsonl', why: `crawl ${crawl} is not MongoDB's current one` };
  }
  if (from === 'mongodb' && sink.kind !== 'mongodb')
    throw new ConfigError(
      'CRAWL_E_USAGE',
      `--from mongodb: the lab's items are not in MongoDB (${sink.why})`,
      {
        hint: "leave --from out to read every node's JSON lines",
      },
    );
  return sink;
}

export const itemsCommand: LabCommand = {
  name: 'items',
  usage: `npm run lab:items [-- --format jsonl|json|csv] [--out FILE] [--crawl ID] [--from nodes|mongodb]

Gather one crawl's items into one file on this host: from the lab's MongoDB
where items go there, else from every node's items/<crawl>.jsonl, merged by
item key (one record per thread, as the truth check reads them).

  --format   jsonl (one JSON object a line, the default), json (one array) or
             csv (a column per field, key first; nested values as JSON)
  --out      the file to write (- for standard output); default items-<crawl>.<format> here
  --crawl    a crawl id as lab:crawl prints it; default the current (last) crawl
  --from     nodes or mongodb; default where the lab's items go (MongoDB holds only the current crawl)`,
  options: {
    format: { type: 'string' },
    out: { type: 'string' },
    crawl: { type: 'string' },
    from: { type: 'string' },
  },
  run: ({ values }) =>
    items({
      ...(typeof values['format'] === 'string' ? { format: values['format'] } : {}),
      ...(typeof values['out'] === 'string' ? { out: values['out'] } : {}),
      ...(typeof values['crawl'] === 'string' ? { crawl: values['crawl'] } : {}),
      ...(typeof values['from'] === 'string' ? { from: values['from'] } : {}),
    }),
};
