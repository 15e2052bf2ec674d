import { type Cheerio, type CheerioAPI, load } from 'cheerio/slim';
// Type only, erased at run time: domhandler is cheerio's own node model.
import type { Document, Element } from 'domhandler';
import { parseDocument } from 'htmlparser2';
import type { DownloadResult } from '../downloader/types.ts';
import { CrawlError, IgnoreRequest } from '../errors.ts';
import { decodeBody, isHtmlMedia, isTextMedia, isXmlMedia, sniffMediaType } from './charset.ts';
import { type CrawlRequest, type RequestDraft, type RequestInit, request } from './request.ts';
import { selectAll, selectOne, withCompiledSelectors } from './select.ts';
import { parseSimpleSelector } from './simple-selector.ts';
import { streamBaseHref, streamLinkHrefs } from './stream-links.ts';

/**
 * What a spider callback receives: the downloaded page plus the request that
 * asked for it. Everything costly is lazy and done once: the body is decoded
 * on the first `text`, parsed on the first `$` (cheerio's htmlparser2 backend,
 * via 'cheerio/slim', much faster than parse5 and enough for scraping).
 */

type FollowInit = Partial<Omit<RequestInit, 'url'>>;

/**
 * A URL pattern for `followAll`'s allow/deny: a RegExp searched in the absolute
 * URL (Scrapy's LinkExtractor), or a glob matched against the whole absolute URL,
 * where `*` stands for any run of characters (Crawlee's enqueueLinks globs).
 */
export type UrlPattern = RegExp | string;

export interface FollowAllInit extends FollowInit {
  /** Follow only URLs matching at least one of these patterns (all when absent or empty). */
  allow?: readonly UrlPattern[];
  /** Never follow URLs matching one of these patterns; deny wins over allow. */
  deny?: readonly UrlPattern[];
}
// Links that never lead to another page to crawl.
const SKIPPED_LINK = /^(#|javascript:|mailto:|tel:|data:)/i;

export class Response {
  /** Final URL, after redirects. */
  readonly url: string;
  readonly status: number;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string>>;
  /** Body bytes, content-encoding already removed. */
  readonly body: Buffer;
  readonly request: CrawlRequest;
  /** URLs visited before `url`, in order. */
  readonly redirects: readonly string[];
  /** Lower-case media type from Content-Type, sniffed from the body when the header is missing. */
  readonly mediaType: string;
  readonly isHtml: boolean;

  #decoded: { text: string; encoding: string } | undefined;
  #root: CheerioAPI | undefined;
  #document: Document | undefined;
  #baseUrl: string | undefined;

  constructor(req: CrawlRequest, result: DownloadResult) {
    this.request = req;
    this.url = result.url;
    this.status = result.status;
    this.headers = result.headers;
    this.body = result.body;
    this.redirects = result.redirects;
    this.mediaType = result.mediaType || sniffMediaType(result.body);
    this.isHtml = isHtmlMedia(this.mediaType);
  }

  /** `request.meta`: data the spider attached to the request. */
  get meta(): Record<string, unknown> {
    return this.request.meta;
  }

  get cbKwargs(): Record<string, unknown> {
    return this.request.cbKwargs;
  }

  /** Whether `text` is available (text/*, JSON, XML, JavaScript). */
  get isText(): boolean {
    return isTextMedia(this.mediaType);
  }

  /** The body decoded as text (see ./charset.ts for how the encoding is chosen). Throws CRAWL_E_NOT_TEXT for binary media. */
  get text(): string {
    return this.#decode().text;
  }

  /** WHATWG name of the encoding `text` was decoded with. */
  get encoding(): string {
    return this.#decode().encoding;
  }

  #decode(): { text: string; encoding: string } {
    if (this.#decoded === undefined) {
      if (!this.isText)
        throw this.#notText('read as text', 'check response.isText, or use response.body (a Buffer)');
      // A sniffed type stands in for a missing header so decodeBody sniffs the same way.
      this.#decoded = decodeBody(this.body, this.headers['content-type'] ?? this.mediaType);
    }
    return this.#decoded;
  }

  #notText(action: string, hint: string): IgnoreRequest {
    const type = this.headers['content-type'] ?? `none (sniffed as ${this.mediaType})`;
    return new IgnoreRequest(
      'CRAWL_E_NOT_TEXT',
      `cannot ${action} ${this.url}: its content type is ${type}`,
      {
        hint,
        url: this.url,
        mediaType: this.mediaType,
      },
    );
  }

  /** Parse the body as JSON. */
  json<T = unknown>(): T {
    const text = this.text;
    try {
      return JSON.parse(text) as T;
    } catch (cause) {
      throw new CrawlError(
        'CRAWL_E_CALLBACK',
        `response from ${this.url} (status ${this.status}, ${this.mediaType}) is not valid JSON: ${(cause as Error).message}; body starts ${JSON.stringify(text.slice(0, 80))}`,
        { cause, url: this.url, hint: 'call json() only on JSON endpoints; check response.mediaType first' },
      );
    }
  }

  /**
   * The parsed DOM (domhandler) of an HTML or XML page, parsed once and shared
   * with `$`. Hot parsers use it with crawler/http/select.ts (compiled selectors).
   */
  get document(): Document {
    if (this.#document === undefined) {
      const xml = !this.isHtml && isXmlMedia(this.mediaType);
      if (!this.isHtml && !xml) {
        throw this.#notText('parse as HTML', 'check response.isHtml before using response.$ or response.css');
      }
      this.#document = parseDocument(this.text, { xmlMode: xml, decodeEntities: true });
    }
    return this.#document;
  }

  /** The cheerio root for HTML and XML pages, parsed once: `response.$('h1').text()`. */
  get $(): CheerioAPI {
    if (this.#root === undefined) {
      const doc = this.document;
      const api = load(doc, { xml: !this.isHtml });
      this.#root = this.isHtml ? withCompiledSelectors(api, doc) : api;
    }
    return this.#root;
  }

  /** Shortcut for `response.$(selector)`. */
  css(selector: string): Cheerio<Element> {
    return this.$(selector) as Cheerio<Element>;
  }

  /** The URL relative links resolve against: the first `<base href>` of an HTML page, else `url`. */
  get baseUrl(): string {
    if (this.#baseUrl === undefined) {
      this.#baseUrl = this.url;
      if (this.isHtml) {
        // most pages have no <base>: a string search spares them a parse, and
        // a page without a DOM yet is searched by a tokenizer pass, not parsed into one
        const href = !/<base[\s>]/i.test(this.text)
          ? undefined
          : this.#document === undefined
            ? streamBaseHref(this.text)
            : selectOne('base[href]', this.#document)?.attribs['href'];
        const base = href === undefined ? undefined : tryUrl(href.trim(), this.url);
        if (base !== undefined && (base.protocol === 'http:' || base.protocol === 'https:'))
          this.#baseUrl = base.href;
      }
    }
    return this.#baseUrl;
  }

  /** Resolve a link found on this page to an absolute URL. Throws CRAWL_E_BAD_URL if it cannot be resolved. */
  urljoin(href: string): string {
    const url = tryUrl(href.trim(), this.baseUrl);
    if (url === undefined) {
      throw new CrawlError(
        'CRAWL_E_BAD_URL',
        `cannot resolve link ${JSON.stringify(href.slice(0, 200))} against ${this.baseUrl}`,
        {
          hint: 'the href is malformed; skip it or fix it before following',
        },
      );
    }
    return url.href;
  }

  /** A request for one link, resolved against `baseUrl`: `yield response.follow(href, { callback: 'parseThread' })`. */
  follow(link: string | Element | Cheerio<Element>, init: FollowInit = {}): RequestDraft {
    const href = typeof link === 'string' ? link : hrefOf(link);
    if (href === undefined) {
      throw new CrawlError('CRAWL_E_BAD_URL', `follow() got an element without an href on ${this.url}`, {
        hint: "select links with an href, e.g. response.css('a[href]')",
      });
    }
    return request({ ...init, url: this.urljoin(href) });
  }

  /**
   * Requests for the links `selector` picks, or for each href given. A selector
   * picks the `<a href>` elements it matches or that sit inside what it matches,
   * and `<area href>` elements only when it matches them itself (`'a, area'`).
   * Skips empty, `#fragment`-only, javascript:, mailto:, tel: and data: links and
   * anything that does not resolve to http(s); drops fragments; each URL once;
   * then keeps the URLs `allow` matches and `deny` does not (see UrlPattern).
   */
  followAll(selectorOrHrefs: string | Iterable<string> = 'a', init: FollowAllInit = {}): RequestDraft[] {
    const { allow, deny, ...requestInit } = init;
    const allowed = compilePatterns(allow, 'allow');
    const denied = compilePatterns(deny, 'deny');
    const hrefs = typeof selectorOrHrefs === 'string' ? this.#linkHrefs(selectorOrHrefs) : selectorOrHrefs;
    const seen = new Set<string>();
    const out: RequestDraft[] = [];
    const base = this.baseUrl;
    for (const raw of hrefs) {
      const href = raw.trim();
      if (href === '' || SKIPPED_LINK.test(href)) continue;
      const url = tryUrl(href, base);
      if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) continue;
      if (url.hash !== '') url.hash = '';
      if (seen.has(url.href)) continue;
      seen.add(url.href);
      if (allowed.length > 0 && !allowed.some((p) => p.test(url.href))) continue;
      if (denied.some((p) => p.test(url.href))) continue;
      out.push(request({ ...requestInit, url: url.href }));
    }
    return out;
  }

  #linkHrefs(selector: string): string[] {
    // One pass over the document, in document order, without de-duplicating
    // selections: links matching the selector, or inside what it matches.
    const query =
      selector === 'a' ? 'a[href]' : `:is(${selector}):is(a[href], area[href]), :is(${selector}) a[href]`;
    // HTML not parsed yet and a simple selector: one tokenizer pass, no DOM
    // (a callback that reads the page with `$` too has the DOM already: select on it)
    const simple = this.isHtml && this.#document === undefined ? parseSimpleSelector(selector) : undefined;
    if (simple !== undefined) return streamLinkHrefs(this.text, simple);
    const hrefs: string[] = [];
    // HTML: the compiled-selector cache (css-select knows :is); XML keeps cheerio's case rules
    const links = this.isHtml ? selectAll(query, this.document) : this.$(query).toArray();
    for (const el of links) {
      const href = hrefOf(el as Element);
      if (href !== undefined) hrefs.push(href);
    }
    return hrefs;
  }
}

function compilePatterns(patterns: readonly UrlPattern[] | undefined, option: string): RegExp[] {
  if (patterns === undefined) return [];
  if (!Array.isArray(patterns)) {
    throw new CrawlError('CRAWL_E_SPIDER_INVALID', `followAll ${option} must be an array of patterns`, {
      value: patterns,
      hint: `e.g. { ${option}: [/\\/p\\/\\d+$/, 'https://example.com/docs/*'] }`,
    });
  }
  return patterns.map((p) => {
    // a RegExp from another realm too (crawl shell evaluates in a vm context)
    if (p instanceof RegExp || Object.prototype.toString.call(p) === '[object RegExp]')
      return new RegExp(p.source, p.flags.replace(/[gy]/g, ''));
    if (typeof p === 'string') return globToRegExp(p);
    throw new CrawlError(
      'CRAWL_E_SPIDER_INVALID',
      `followAll ${option}: ${String(p)} is not a RegExp or a glob`,
      {
        value: p,
        hint: "give a RegExp such as /\\/p\\/\\d+$/ or a glob such as 'https://example.com/p/*'",
      },
    );
  });
}

/** A glob over the whole URL: `*` is any run of characters, everything else literal. */
function globToRegExp(glob: string): RegExp {
  const body = glob
    .split(/\*+/)
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`);
}

function hrefOf(link: Element | Cheerio<Element>): string | undefined {
  const el: Element | undefined = 'attribs' in link ? link : link[0];
  return el?.attribs['href'];
}

function tryUrl(href: string, base: string): URL | undefined {
  try {
    return new URL(href, base);
  } catch {
    return undefined;
  }
}
