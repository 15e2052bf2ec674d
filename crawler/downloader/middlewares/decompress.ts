import type { Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate, createInflateRaw } from 'node:zlib';

/**
 * Content decoding (Scrapy's HttpCompressionMiddleware) as node:zlib streams,
 * so the size limit counts decoded bytes while they are produced and a gzip
 * bomb is stopped after downloadMaxsize bytes, not after it filled memory.
 */

export const ACCEPT_ENCODING = 'gzip, deflate, br';

const KNOWN = new Set(['gzip', 'x-gzip', 'deflate', 'br']);

/** Codings from a Content-Encoding header, in the order they were applied; `identity` dropped. */
export function parseContentEncoding(header: string | undefined): string[] {
  if (header === undefined) return [];
  return header
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '' && s !== 'identity');
}

/** The first coding we cannot decode, if any. */
export function unknownEncoding(codings: readonly string[]): string | undefined {
  return codings.find((c) => !KNOWN.has(c));
}

/**
 * "deflate" is meant to be zlib-wrapped (RFC 9110), but many servers send raw
 * deflate. A zlib stream starts with a CMF/FLG pair: method 8 in the low nibble
 * and the 16-bit value divisible by 31.
 */
export function looksLikeZlib(head: Uint8Array): boolean {
  if (head.length < 2) return false;
  const cmf = head[0]!;
  const flg = head[1]!;
  return (cmf & 0x0f) === 8 && ((cmf << 8) | flg) % 31 === 0;
}

/**
 * Decoder streams for `codings`, outermost first (the reverse of the header
 * order). `head` is the first bytes of the body: it picks zlib or raw for the
 * outermost deflate; inner deflate layers (rare) are taken as zlib.
 */
export function decoders(codings: readonly string[], head: Uint8Array): Transform[] {
  return [...codings].reverse().map((coding, i) => {
    switch (coding) {
      case 'gzip':
      case 'x-gzip':
        return createGunzip();
      case 'deflate':
        return i === 0 && !looksLikeZlib(head) ? createInflateRaw() : createInflate();
      case 'br':
        return createBrotliDecompress();
      default:
        throw new Error(`no decoder for content-encoding ${coding}; call unknownEncoding() first`);
    }
  });
}
