import { compile, selectAll as cssSelectAll, selectOne as cssSelectOne } from 'css-select';
import type { AnyNode, Element } from 'domhandler';
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
