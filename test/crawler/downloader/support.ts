import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { createDownloader } from '../../../crawler/downloader/downloader.ts';
import type { Downloader } from '../../../crawler/downloader/types.ts';
import { isCrawlError } from '../../../crawler/errors.ts';
import { type CrawlRequest, type RequestInit, toCrawlRequest } from '../../../crawler/http/request.ts';
import { defaultSettings, type Settings } from '../../../crawler/settings/defaults.ts';

/** Shared bits of the downloader tests: settings, a downloader closed in t.after, stat capture. */

export function settingsWith(overrides: Partial<Settings> = {}): Settings {
  // robots.txt off unless a test is about it, so servers need not serve one.
  return { ...defaultSettings(), robotstxtObey: false, ...overrides };
}

export function req(url: string, init: Omit<RequestInit, 'url'> = {}): CrawlRequest {
  return toCrawlRequest({ url, ...init });
}

export interface Harness {
  dl: Downloader;
  stats: Map<string, number>;
  /** performance.now() of each request start (the downloader's request_count stat, right after its slot opens). */
  starts: number[];
}

export function downloader(
  t: TestContext,
  overrides: Partial<Settings> = {},
  allowedDomains: readonly string[] = [],
): Harness {
  const stats = new Map<string, number>();
  const starts: number[] = [];
  const dl = createDownloader({
    settings: settingsWith(overrides),
    allowedDomains,
    onStat: (name, delta = 1) => {
      if (name === 'downloader/request_count') starts.push(performance.now());
      stats.set(name, (stats.get(name) ?? 0) + delta);
    },
  });
  t.after(() => dl.close());
  return { dl, stats, starts };
}

/** Awaits a rejection with our error `code` and class name; returns the error for more checks. */
export async function rejectsWith(
  promise: Promise<unknown>,
  name: 'RetryableError' | 'IgnoreRequest',
  code: string,
): Promise<Record<string, unknown>> {
  let caught: unknown;
  await assert.rejects(promise, (error: unknown) => {
    caught = error;
    return true;
  });
  assert.ok(isCrawlError(caught), `expected a CrawlError, got ${String(caught)}`);
  assert.equal(caught.name, name);
  assert.equal(caught.code, code, caught.message);
  return caught as unknown as Record<string, unknown>;
}
