import { Parser } from 'htmlparser2';
import { matchesTop, type OpenElement, type SimpleSelector } from './simple-selector.ts';

/**
 * `followAll(selector)` and `<base href>` answered from one htmlparser2 pass
 * without building a DOM. The parser is the one `response.document` is built
 * with, with the same options, so it sees the same elements, nested the same
 * way (implied end tags, void elements, comments, CDATA, raw text of script
 * and style) and the same decoded attribute values; only the tree is not kept,
 * just the stack of open elements a simple selector needs (./simple-selector.ts).
 */

// the options response.document parses HTML with
const HTML_OPTIONS = { xmlMode: false, decodeEntities: true } as const;

/**
 * The hrefs of the links `selector` picks, in document order: elements it
 * matches that are `<a href>` or `<area href>`, and `<a href>` elements inside
 * an element it matches. Exactly css-select's
 * `:is(S):is(a[href], area[href]), :is(S) a[href]` on the parsed document.
 */
export function streamLinkHrefs(html: string, selector: SimpleSelector): string[] {
  const hrefs: string[] = [];
  const stack: OpenElement[] = [];
  // for each open element, whether it matches the selector; `inside` counts those open
  const matched: boolean[] = [];
  let inside = 0;
  const parser = new Parser(
    {
      onopentag(name, attribs) {
        const el = { name, attribs };
        stack.push(el);
        const self = matchesTop(selector, stack);
        matched.push(self);
        const href = attribs['href'];
        if (
          href !== undefined &&
          ((self && (name === 'a' || name === 'area')) || (inside > 0 && name === 'a'))
        )
          hrefs.push(href);
        if (self) inside++;
      },
      onclosetag() {
        stack.pop();
        if (matched.pop()) inside--;
      },
    },
    HTML_OPTIONS,
  );
  parser.end(html);
  return hrefs;
}

/** The href of the first `<base href>` in document order (css-select's `base[href]`), if any. */
export function streamBaseHref(html: string): string | undefined {
  let found: string | undefined;
  const parser = new Parser(
    {
      onopentag(name, attribs) {
        if (found === undefined && name === 'base') found = attribs['href'];
      },
    },
    HTML_OPTIONS,
  );
  parser.end(html);
  return found;
}
