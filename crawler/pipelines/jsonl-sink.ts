import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CrawlError } from '../errors.ts';
import type { Item } from '../spiders/spider.ts';
import type { ItemContext, PipelineStep } from './types.ts';

/**
 * Appends items as JSON lines (`--output items.jsonl`), each with its `_key`;
 * with `overwrite` (`--overwrite`) the file is emptied when the sink opens.
 * A file is append-only, so a page re-delivered after a worker crash can add an
 * item a second time; use the Redis list or MongoDB sink where that matters.
 */
export function jsonlSink(path: string, o: { overwrite?: boolean } = {}): PipelineStep {
  const full = resolve(path);
  let stream: WriteStream | undefined;
  let buffer: string[] = [];
  return {
    name: 'jsonl',
    async open() {
      mkdirSync(dirname(full), { recursive: true });
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
    },
    processItem(item: Item, ctx: ItemContext) {
      buffer.push(`${JSON.stringify({ _key: ctx.key, ...item })}\n`);
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
      await new Promise<void>((ok) => stream!.end(() => ok()));
      stream = undefined;
    },
  };
}
