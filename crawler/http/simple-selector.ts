/**
 * The selectors a streaming pass can answer without a DOM (./stream-links.ts):
 * a comma-separated list of compound selectors joined by descendant (` `) or
 * child (`>`) combinators, each compound a tag name or `*`, `.class`, `#id` and
 * `[attr]`, ASCII names only. They match as css-select matches them on an HTML
 * document (what cheerio does): tag and attribute names case-insensitive,
 * class and id values case-sensitive, a class any whitespace-separated word
 * of the class attribute. Anything else (pseudo-classes, attribute values,
 * sibling combinators, escapes) is not simple: `parseSimpleSelector` returns
 * undefined and the caller keeps the DOM.
 */

export interface Compound {
  /** lower-case tag name, undefined for `*` or none */
  tag?: string;
  ids: string[];
  classes: string[];
  /** lower-case attribute names that must be present */
  attrs: string[];
}

/** Compounds left to right; `combinators[i]` joins compounds i and i + 1. */
export interface Complex {
  compounds: Compound[];
  combinators: ('>' | ' ')[];
}

export type SimpleSelector = Complex[];

/** One open element as the matcher sees it: name and attributes, as the parser gave them. */
export interface OpenElement {
  name: string;
  attribs: Record<string, string>;
}

const NAME = /^-?[A-Za-z_][\w-]*/;
const TAG = /^[A-Za-z][\w-]*/;

function parseCompound(text: string): Compound | undefined {
  const c: Compound = { ids: [], classes: [], attrs: [] };
  let rest = text;
  const tag = TAG.exec(rest);
  if (tag) {
    c.tag = tag[0].toLowerCase();
    rest = rest.slice(tag[0].length);
  } else if (rest.startsWith('*')) rest = rest.slice(1);
  else if (rest === '') return undefined;
  while (rest !== '') {
    const kind = rest[0];
    if (kind === '.' || kind === '#') {
      const m = NAME.exec(rest.slice(1));
      if (!m) return undefined;
      (kind === '.' ? c.classes : c.ids).push(m[0]);
      rest = rest.slice(1 + m[0].length);
    } else if (kind === '[') {
      const m = /^\[(-?[A-Za-z_][\w-]*)\]/.exec(rest);
      if (!m) return undefined;
      c.attrs.push(m[1]!.toLowerCase());
      rest = rest.slice(m[0].length);
    } else return undefined;
  }
  return c;
}

function parseComplex(text: string): Complex | undefined {
  // split on `>` and runs of whitespace, keeping which combinator joined the parts
  const parts = text
    .replace(/^[ \t\n\r\f]+|[ \t\n\r\f]+$/g, '')
    .split(/([ \t\n\r\f]*>[ \t\n\r\f]*|[ \t\n\r\f]+)/);
  const compounds: Compound[] = [];
  const combinators: ('>' | ' ')[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (i % 2 === 1) {
      combinators.push(part.includes('>') ? '>' : ' ');
      continue;
    }
    const c = parseCompound(part);
    if (c === undefined) return undefined;
    compounds.push(c);
  }
  return compounds.length > 0 ? { compounds, combinators } : undefined;
}

const cache = new Map<string, SimpleSelector | null>();

/** The parsed selector, or undefined when the streaming pass cannot answer it exactly. */
export function parseSimpleSelector(selector: string): SimpleSelector | undefined {
  let hit = cache.get(selector);
  if (hit === undefined) {
    hit = null;
    if (/^[\w\-.#*[\] \t\n\r\f>,]+$/.test(selector)) {
      const list = selector.split(',').map(parseComplex);
      if (list.every((c) => c !== undefined)) hit = list as Complex[];
    }
    if (cache.size >= 1000) cache.clear();
    cache.set(selector, hit);
  }
  return hit ?? undefined;
}

function hasWord(value: string | undefined, word: string): boolean {
  return value?.split(/\s+/).includes(word) ?? false;
}

function matchesCompound(c: Compound, el: OpenElement): boolean {
  if (c.tag !== undefined && el.name !== c.tag) return false;
  for (const id of c.ids) if (el.attribs['id'] !== id) return false;
  for (const cls of c.classes) if (!hasWord(el.attribs['class'], cls)) return false;
  for (const a of c.attrs) if (!Object.hasOwn(el.attribs, a)) return false;
  return true;
}

/** Whether compounds[0..k] match with compounds[k] on stack[at] (right to left, backtracking). */
function matchesFrom(x: Complex, k: number, stack: readonly OpenElement[], at: number): boolean {
  if (!matchesCompound(x.compounds[k]!, stack[at]!)) return false;
  if (k === 0) return true;
  if (x.combinators[k - 1] === '>') return at > 0 && matchesFrom(x, k - 1, stack, at - 1);
  for (let up = at - 1; up >= 0; up--) if (matchesFrom(x, k - 1, stack, up)) return true;
  return false;
}

/** Whether the element on top of `stack` (its open ancestors below it) matches `selector`. */
export function matchesTop(selector: SimpleSelector, stack: readonly OpenElement[]): boolean {
  const top = stack.length - 1;
  return selector.some((x) => matchesFrom(x, x.compounds.length - 1, stack, top));
}
