import { createHash } from 'node:crypto';
import { bodyBytes, type CrawlRequest } from '../http/request.ts';
import { canonicalizeUrl } from '../http/url.ts';

/**
 * The request fingerprint every worker must agree on, bit for bit.
 * Scheme "A" of scrapy-redis <= 0.7 (the article's era): SHA-1 over the
 * method, the canonical URL and the body, kept as the raw 20-byte digest
 * (hex only for display). Headers, cookies and meta do not count.
 */
export function fingerprint(req: Pick<CrawlRequest, 'method' | 'url' | 'body'>): Buffer {
  return createHash('sha1')
    .update(req.method.toUpperCase())
    .update(canonicalizeUrl(req.url))
    .update(bodyBytes(req as CrawlRequest))
    .digest();
}

export function fingerprintHex(req: Pick<CrawlRequest, 'method' | 'url' | 'body'>): string {
  return fingerprint(req).toString('hex');
}
