import type { RequestDraft, RequestInit } from '../http/request.ts';
import type { Response } from '../http/response.ts';
import type { PipelineStep } from '../pipelines/types.ts';

/** An item is any plain object a callback yields. */
export type Item = Record<string, unknown>;

/** What a callback may yield or return: items, requests, or nothing. */
export type Output = Item | RequestDraft;
export type CallbackResult =
  | AsyncIterable<Output>
  | Iterable<Output>
  // biome-ignore lint/suspicious/noConfusingVoidType: an `async parse()` that returns nothing is Promise<void>
  | Promise<Iterable<Output> | Output | undefined | void>
  | Output
  | undefined
  | void;

export type Callback = (response: Response) => CallbackResult;

/** Called when a request finally fails (after retries), with the error and the request. */
export type Errback = (failure: Failure) => CallbackResult;

export interface Failure {
  error: unknown;
  code: string;
  request: import('../http/request.ts').CrawlRequest;
  meta: Record<string, unknown>;
}

/**
 * A spider: the default export of a module. Only `name` and `parse` are required.
 * Other methods are callbacks, named by string in `request({ callback: 'parseThread' })`.
 */
export interface Spider {
  /** Names the Redis keys (`<name>:requests` ...) and the bundled spider. Letters, digits, _ and -. */
  name: string;
  /** Pushed by `crawl seed <spider>` (and `crawl run --seed`) when no URL is given. */
  startUrls?: ReadonlyArray<string | RequestInit>;
  /** Hosts (and their subdomains) the crawl may visit; empty or absent = any. Also checked on redirects. */
  allowedDomains?: readonly string[];
  /** Settings for this spider, below config file, env and --set in precedence. */
  customSettings?: Readonly<Record<string, unknown>>;
  /** Default callback for responses. */
  parse: Callback;
  /** Stable key of an item, so a re-delivered page never stores it twice. Default: item.key, else page fingerprint + position. */
  itemKey?: (item: Item) => string | undefined;
  /** Extra pipeline steps run, in order, before the sinks (JSON lines, Redis list, MongoDB). */
  pipelines?: readonly PipelineStep[];
  [callback: string]: unknown;
}

/** Identity helper that gives a spider object its types: `export default defineSpider({ ... })`. */
export function defineSpider<T extends Spider>(spider: T & ThisType<T>): T {
  return spider;
}
