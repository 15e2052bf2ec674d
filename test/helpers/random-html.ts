import fc from 'fast-check';

/**
 * Random HTML for property tests that compare two ways of reading a page
 * (cheerio against the compiled selectors, the tokenizer pass against the
 * DOM): elements named by `tags`, each with any subset of `attrs` (values as
 * written, double-quoted), holding up to 4 children, mixed with the `leaves`
 * text as written. With `unclosed`, an element's end tag may be left out, as
 * HTML allows.
 */
export function randomHtml(o: {
  tags: fc.Arbitrary<string>;
  attrs: Record<string, fc.Arbitrary<string>>;
  leaves: readonly string[];
  unclosed?: boolean;
}): fc.Arbitrary<string> {
  const attrs = fc.record(o.attrs, { requiredKeys: [] }).map((r) =>
    Object.entries(r)
      .map(([k, v]) => ` ${k}="${v}"`)
      .join(''),
  );
  const close = o.unclosed ? fc.boolean() : fc.constant(true);
  return fc.letrec((t) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constantFrom(...o.leaves),
      fc
        .tuple(o.tags, attrs, fc.array(t('node'), { maxLength: 4 }), close)
        .map(([name, a, kids, end]) => `<${name}${a}>${kids.join('')}${end ? `</${name}>` : ''}`),
    ),
  })).node as fc.Arbitrary<string>;
}
