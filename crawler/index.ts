/**
 * The public surface of the crawler, for spider authors and the lab scripts.
 * Deliberate re-exports only; everything else is internal and free to change.
 */

export type { ErrorCode } from './errors.ts';
export { CloseSpider, ConfigError, CrawlError, DropItem, IgnoreRequest, RetryableError } from './errors.ts';
export type { CrawlRequest, RequestInit } from './http/request.ts';
export { request } from './http/request.ts';
export type { Response } from './http/response.ts';
export type { ItemContext, PipelineStep } from './pipelines/types.ts';
export type { Settings } from './settings/defaults.ts';
export { resolveSettings } from './settings/load.ts';
export type { Item, Spider } from './spiders/spider.ts';
export { defineSpider } from './spiders/spider.ts';
export { createWorker } from './worker.ts';
