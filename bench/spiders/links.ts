import { defineSpider, type Response } from 'crawl-lab';

/**
 * The catalogue spider (bench/spiders/catalogue.ts) without `response.$`: links
 * by selector only (`followAll`), one item per product holding its URL. The
 * shape of a spider that maps a site rather than scraping it, and the case the
 * tokenizer pass of `followAll(selector)` serves (no DOM on any page).
 */
export default defineSpider({
  name: 'links',
  allowedDomains: ['127.0.0.1'],
  *parse(response) {
    yield* response.followAll('a.product-link', { callback: 'parseProduct' });
    yield* response.followAll('a.next');
  },
  *parseProduct(response: Response) {
    yield { url: response.url };
    yield* response.followAll('.related a', { callback: 'parseProduct' });
  },
});
