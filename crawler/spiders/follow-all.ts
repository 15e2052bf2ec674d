import { defineSpider } from './spider.ts';

/**
 * Follows every link inside the start URL's host and yields {url, title} for
 * pages that have an <h1>. Seed it with any URL: `crawl seed follow-all http://127.0.0.1:8080/`.
 * (allowedDomains is filled from the first start URL by `crawl seed`'s caller if you copy this spider.)
 */
export default defineSpider({
  name: 'follow-all',
  *parse(response) {
    if (!response.isHtml) return;
    const title = response.$('h1').first().text().trim();
    if (title) yield { url: response.url, title };
    yield* response.followAll('a').filter((r) => new URL(String(r.url)).host === new URL(response.url).host);
  },
});
