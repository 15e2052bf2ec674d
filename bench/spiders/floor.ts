import { defineSpider, type Response } from 'crawl-lab';

/**
 * The floor: what a page costs with no parsing at all. Same site and same
 * crawl shape as the catalogue spider (bench/spiders/catalogue.ts: 40 products
 * per list page, the next list page, four "related" links per product, mostly
 * duplicates the fingerprint filter drops, one item per product), but every
 * link is computed from the page's own URL: no `$`, no DOM, no regular
 * expression over the body. What remains is fetching, decoding nothing,
 * fingerprints, de-dup and queueing in Redis, and the item push.
 * It follows one list page past the last one (a 404 the crawler drops): the
 * spider cannot know where the catalogue ends without reading the page.
 */
const PER_PAGE = 40; // bench/lib/catalogue-site.ts PER_PAGE

export default defineSpider({
  name: 'floor',
  allowedDomains: ['127.0.0.1'],
  *parse(response) {
    const page = Number(/[?&]page=(\d+)$/.exec(response.url)?.[1] ?? 1);
    const first = (page - 1) * PER_PAGE + 1;
    const products = Array.from({ length: PER_PAGE }, (_, i) => `/product/${first + i}`);
    yield* response.followAll(products, { callback: 'parseProduct' });
    yield* response.followAll([`/catalogue?page=${page + 1}`]);
  },
  *parseProduct(response: Response) {
    const id = Number(/\/product\/(\d+)$/.exec(response.url)?.[1] ?? 1);
    yield { url: response.url, id };
    // four "related" products of the same list page: already queued, dropped by the fingerprint filter
    const block = Math.floor((id - 1) / PER_PAGE) * PER_PAGE;
    const related = [1, 2, 3, 4].map((k) => `/product/${block + ((id - 1 + k * 7) % PER_PAGE) + 1}`);
    yield* response.followAll(related, { callback: 'parseProduct' });
  },
});
