import { CrawlError } from '../errors.ts';
import { isRequestDraft, type RequestDraft } from '../http/request.ts';
import type { CallbackResult, Item } from '../spiders/spider.ts';

export interface Collected {
  items: Item[];
  requests: RequestDraft[];
}

function isIterable(v: unknown): v is Iterable<unknown> {
  return typeof v === 'object' && v !== null && Symbol.iterator in v;
}
function isAsyncIterable(v: unknown): v is AsyncIterable<unknown> {
  return typeof v === 'object' && v !== null && Symbol.asyncIterator in v;
}

function classify(value: unknown, into: Collected, callback: string): void {
  if (value === undefined || value === null) return;
  if (isRequestDraft(value)) {
    into.requests.push(value);
    return;
  }
  if (typeof value === 'object' && !Array.isArray(value)) {
    into.items.push(value as Item);
    return;
  }
  throw new CrawlError(
    'CRAWL_E_CALLBACK',
    `callback "${callback}" yielded ${Array.isArray(value) ? 'an array' : typeof value}`,
    {
      hint: 'yield items as plain objects and requests with response.follow(...) or request({...})',
    },
  );
}

/** Drain whatever a callback returned (async generator, generator, array, promise, single value). */
export async function collectOutputs(result: CallbackResult, callback: string): Promise<Collected> {
  const out: Collected = { items: [], requests: [] };
  const value: unknown = await result;
  if (isAsyncIterable(value)) {
    for await (const v of value) classify(v, out, callback);
  } else if (typeof value === 'object' && value !== null && !isRequestDraft(value) && isIterable(value)) {
    for (const v of value) classify(v, out, callback);
  } else {
    classify(value, out, callback);
  }
  return out;
}
