import { isUtf8 } from 'node:buffer';
import { TextDecoder } from 'node:util';

/**
 * Turning response bytes into text, the way browsers (and Scrapy's
 * TextResponse) choose the encoding:
 *
 *   1. the `charset` parameter of Content-Type,
 *   2. a byte-order mark (UTF-8, UTF-16LE, UTF-16BE),
 *   3. for HTML only, `<meta charset=...>` or
 *      `<meta http-equiv="Content-Type" content="...; charset=...">`
 *      within the first META_SNIFF_BYTES bytes,
 *   4. UTF-8.
 *
 * A label TextDecoder does not know is skipped (the next source decides);
 * nothing here throws. One heuristic goes beyond browsers: when Content-Type
 * says UTF-8 but the bytes are not valid UTF-8 and the page's own meta tag
 * names another encoding, the meta tag wins. Old Chinese sites behind a
 * proxy that stamps `charset=utf-8` on GBK pages are the usual cause, and
 * decoding them as UTF-8 would turn every character into U+FFFD.
 */

/** How far into the body the meta charset sniff looks (the HTML spec's prescan uses 1024; pages in the wild need more). */
export const META_SNIFF_BYTES = 4096;

export interface DecodedBody {
  text: string;
  /** WHATWG name of the encoding used, e.g. 'utf-8', 'gbk', 'windows-1252', 'utf-16le'. */
  encoding: string;
}

// One decoder per encoding, reused: decode() without {stream} keeps no state.
const decoders = new Map<string, TextDecoder>();

/** WHATWG name for a charset label, or undefined when TextDecoder does not support it. */
export function encodingForLabel(label: string): string | undefined {
  const key = label.trim().toLowerCase();
  if (key === '') return undefined;
  try {
    return new TextDecoder(key).encoding;
  } catch {
    return undefined;
  }
}

function decoderFor(encoding: string): TextDecoder {
  // WHATWG decodes gbk with the gb18030 decoder (a superset); ICU's gbk lacks the 4-byte sequences.
  const impl = encoding === 'gbk' ? 'gb18030' : encoding;
  let decoder = decoders.get(impl);
  if (decoder === undefined) {
    decoder = new TextDecoder(impl);
    decoders.set(impl, decoder);
  }
  return decoder;
}

// Node's typings of this era do not accept Buffer where Uint8Array is expected; a view costs no copy.
function bytesOf(body: Buffer): Uint8Array {
  return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
}

/** Lower-case `type/subtype` without parameters; '' when absent. */
export function mediaTypeOf(contentType: string | undefined): string {
  if (!contentType) return '';
  const semi = contentType.indexOf(';');
  return (semi >= 0 ? contentType.slice(0, semi) : contentType).trim().toLowerCase();
}

/** The `charset` parameter of a Content-Type value, unquoted; undefined when absent. */
export function charsetParam(contentType: string | undefined): string | undefined {
  if (!contentType) return undefined;
  const m = /;\s*charset\s*=\s*(?:"([^"]*)"|([^;\s]*))/i.exec(contentType);
  const value = m?.[1] ?? m?.[2];
  return value ? value : undefined;
}

export function isHtmlMedia(mediaType: string): boolean {
  return mediaType === 'text/html' || mediaType === 'application/xhtml+xml';
}

export function isXmlMedia(mediaType: string): boolean {
  return mediaType === 'text/xml' || mediaType === 'application/xml' || mediaType.endsWith('+xml');
}

const TEXT_APPLICATION_TYPES = new Set([
  'application/json',
  'application/xml',
  'application/javascript',
  'application/x-javascript',
  'application/ecmascript',
]);

/** Media types whose body is text: text/*, JSON, XML, JavaScript (and their +json / +xml variants). */
export function isTextMedia(mediaType: string): boolean {
  return (
    mediaType.startsWith('text/') ||
    TEXT_APPLICATION_TYPES.has(mediaType) ||
    mediaType.endsWith('+json') ||
    mediaType.endsWith('+xml')
  );
}

function startsWith(body: Buffer, magic: readonly number[]): boolean {
  if (body.length < magic.length) return false;
  for (let i = 0; i < magic.length; i++) if (body[i] !== magic[i]) return false;
  return true;
}

const SIGNATURES: [readonly number[], string][] = [
  [[0x25, 0x50, 0x44, 0x46, 0x2d], 'application/pdf'], // %PDF-
  [[0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'image/png'],
  [[0xff, 0xd8, 0xff], 'image/jpeg'],
  [[0x47, 0x49, 0x46, 0x38], 'image/gif'], // GIF8(7|9)a
  [[0x50, 0x4b, 0x03, 0x04], 'application/zip'],
  [[0x1f, 0x8b], 'application/gzip'],
];

/**
 * Guess the media type of a body served without Content-Type (after the
 * WHATWG MIME sniffing spec, much reduced): HTML by its opening tag, a few
 * binary formats by magic bytes, else text/plain unless the first bytes hold
 * binary control bytes (then application/octet-stream).
 */
export function sniffMediaType(body: Buffer): string {
  for (const [magic, type] of SIGNATURES) if (startsWith(body, magic)) return type;
  const head = body.toString('latin1', 0, Math.min(body.length, 512));
  const start = head
    .replace(/^(\u00ef\u00bb\u00bf)?\s*/, '')
    .slice(0, 14)
    .toLowerCase();
  if (start.startsWith('<!doctype html') || start.startsWith('<html') || start.startsWith('<head')) {
    return 'text/html';
  }
  if (startsWith(body, [0xfe, 0xff]) || startsWith(body, [0xff, 0xfe])) return 'text/plain';
  // WHATWG "binary data bytes": C0 controls other than tab, LF, FF, CR and ESC.
  return /[\u0000-\u0008\u000b\u000e-\u001a\u001c-\u001f]/.test(head)
    ? 'application/octet-stream'
    : 'text/plain';
}

function bomEncoding(body: Buffer): string | undefined {
  if (startsWith(body, [0xef, 0xbb, 0xbf])) return 'utf-8';
  if (startsWith(body, [0xff, 0xfe])) return 'utf-16le';
  if (startsWith(body, [0xfe, 0xff])) return 'utf-16be';
  return undefined;
}

const META_CHARSET = /<meta\b[^>]*?charset\s*=\s*["']?\s*([\w.:-]+)/i;

/** The encoding an HTML page declares in a meta tag near its top, if TextDecoder knows it. */
export function sniffMetaCharset(body: Buffer): string | undefined {
  const head = body.toString('latin1', 0, Math.min(body.length, META_SNIFF_BYTES));
  const label = META_CHARSET.exec(head)?.[1];
  if (label === undefined) return undefined;
  const encoding = encodingForLabel(label);
  // A meta tag is read from ASCII-compatible bytes, so it cannot truly mean UTF-16 (HTML spec).
  return encoding === 'utf-16le' || encoding === 'utf-16be' ? 'utf-8' : encoding;
}

function decodeWith(body: Buffer, encoding: string): DecodedBody {
  return { text: decoderFor(encoding).decode(bytesOf(body)), encoding };
}

/** Decode a response body following the order documented at the top of this file. Never throws. */
export function decodeBody(body: Buffer, contentType: string | undefined): DecodedBody {
  const declared = charsetParam(contentType);
  const fromHeader = declared === undefined ? undefined : encodingForLabel(declared);
  const mediaType = mediaTypeOf(contentType) || (contentType ? '' : sniffMediaType(body));
  const html = isHtmlMedia(mediaType);
  if (fromHeader !== undefined) {
    if (fromHeader === 'utf-8' && html && !isUtf8(bytesOf(body))) {
      const fromMeta = sniffMetaCharset(body);
      if (fromMeta !== undefined && fromMeta !== 'utf-8') return decodeWith(body, fromMeta);
    }
    return decodeWith(body, fromHeader);
  }
  const fromBom = bomEncoding(body);
  if (fromBom !== undefined) return decodeWith(body, fromBom);
  if (html) {
    const fromMeta = sniffMetaCharset(body);
    if (fromMeta !== undefined) return decodeWith(body, fromMeta);
  }
  return decodeWith(body, 'utf-8');
}
