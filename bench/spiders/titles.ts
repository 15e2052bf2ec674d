import { defineSpider, type Response } from 'crawl-lab';

/**
 * The README's spider ("Write a spider"), as users write it, for the benchmark:
 * the mini-Tieba site, start URL seeded through Redis by the bench.
 */
export default defineSpider({
  name: 'titles',
  allowedDomains: ['127.0.0.1'],
  *parse(response) {
    // list pages keep their links inside an HTML comment, as on the real Tieba: take the hrefs from the text
    const hrefs = [...response.text.matchAll(/href="([^"]+)"/g)].map((m) => m[1]);
    yield* response.followAll(hrefs, { allow: [/\/p\/\d+$/], callback: 'parseThread' });
    yield* response.followAll(hrefs, { allow: [/\/f\?kw=/] });
  },
  *parseThread(response: Response) {
    const title = response.$('h3.core_title_txt').text().trim();
    if (title) yield { url: response.url, title };
  },
});
