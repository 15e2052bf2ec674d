import { defineSpider, type Response } from 'crawl-lab';

/**
 * A catalogue spider written the README way (selectors, `followAll`,
 * `response.$`), for the benchmark's second site shape (bench/lib/catalogue-site.ts).
 */
export default defineSpider({
  name: 'catalogue',
  allowedDomains: ['127.0.0.1'],
  *parse(response) {
    yield* response.followAll('a.product-link', { callback: 'parseProduct' });
    yield* response.followAll('a.next');
  },
  *parseProduct(response: Response) {
    const $ = response.$;
    yield {
      url: response.url,
      name: $('h1.name').text().trim(),
      price: $('.price').text().trim(),
      sku: $('.sku').text().trim(),
    };
    yield* response.followAll('.related a', { callback: 'parseProduct' });
  },
});
