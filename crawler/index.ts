/**
 * The public surface of the crawler (`crawl-lab`), for spider authors and for
 * every other part of this repository, which reaches the crawler only here and
 * through `crawl-lab/admin` (crawler/admin.ts). Deliberate re-exports only;
 * everything else is internal and free to change.
 */

export type { RunSummary } from './engine/engine.ts';
export type { ErrorCode } from './errors.ts';
export {
  CloseSpider,
  ConfigError,
  CrawlError,
  DropItem,
  describeError,
  IgnoreRequest,
  isCrawlError,
  RetryableError,
} from './errors.ts';
export type { CrawlRequest, RequestInit } from './http/request.ts';
export { request } from './http/request.ts';
export type { Response } from './http/response.ts';
export { canonicalizeUrl } from './http/url.ts';
export { createLogger, type Logger, redact } from './log.ts';
export type { ItemContext, PipelineStep } from './pipelines/types.ts';
export { fingerprint, fingerprintHex } from './scheduler/fingerprint.ts';
export { defaultSettings, SETTINGS, type SettingKind, type Settings } from './settings/defaults.ts';
export { resolveSettings } from './settings/load.ts';
export type { Item, Spider } from './spiders/spider.ts';
export { defineSpider } from './spiders/spider.ts';
export { STAT, type StatName, statFor, statValue, workerStat } from './stats.ts';
export { createWorker } from './worker.ts';
