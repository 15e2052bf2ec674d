import type { CheerioAPI } from 'cheerio/slim';
import { compile, selectAll as cssSelectAll, selectOne as cssSelectOne } from 'css-select';
import type { AnyNode, Document, Element } from 'domhandler';
import { textContent } from 'domutils';

/**
 * Fast CSS selection for hot parsers: each selector is compiled once and
 * cached (cheerio compiles on every `.find()`, which dominated the Tieba
 * parsers' profile). Works on the same domhandler nodes cheerio uses.
 */
type Compiled = ReturnType<typeof compile<AnyNode, Element>>;
const cache = new Map<string, Compiled>();
const MAX_CACHED = 1000;

function compiled(selector: string): Compiled {
  let query = cache.get(selector);
  if (!query) {
    query = compile<AnyNode, Element>(selector);
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(selector, query);
  }
  return query;
}

export function selectAll(selector: string, root: AnyNode | AnyNode[]): Element[] {
  return cssSelectAll(compiled(selector), root) as Element[];
}

export function selectOne(selector: string, root: AnyNode | AnyNode[]): Element | null {
  return cssSelectOne(compiled(selector), root) as Element | null;
}

/** Text of a node and its descendants, trimmed ('' for null). */
export function textOf(node: AnyNode | null | undefined): string {
  return node ? textContent(node).trim() : '';
}

export function attrOf(node: Element | null | undefined, name: string): string | undefined {
  return node?.attribs[name];
}

/**
 * Selectors css-select answers exactly as cheerio does: tags, classes, ids,
 * attributes and combinators, no pseudo-classes (cheerio-select adds positional
 * ones such as `:first` and `:eq()`), not starting with a combinator (cheerio
 * then searches from the context itself) and not HTML.
 */
const PLAIN_SELECTOR = /^[\w\-.#*[][\w\-.#*[\]="' >,~^$|+]*$/;

/**
 * `$` of an HTML document whose plain string selections (`$('h1.name')`, the
 * common case) go through the compiled-selector cache above instead of
 * cheerio's compile-per-call; anything else, and every static method
 * (`$.html()`, `$.root()`, ...), is cheerio's own, found through the prototype.
 */
export function withCompiledSelectors(api: CheerioAPI, doc: Document): CheerioAPI {
  function $(...args: Parameters<CheerioAPI>): ReturnType<CheerioAPI> {
    const selector = args[0];
    if (args.length === 1 && typeof selector === 'string' && PLAIN_SELECTOR.test(selector))
      return api.root()._make(selectAll(selector, doc)); // as cheerio: prevObject is the root
    return api(...args);
  }
  Object.setPrototypeOf($, api);
  return $ as CheerioAPI;
}
