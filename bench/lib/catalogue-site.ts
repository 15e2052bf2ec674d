import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The benchmark's second site shape: a product catalogue. `/catalogue?page=N`
 * lists PER_PAGE products (`a.product-link`) with a `a.next` pagination link;
 * `/product/<id>` is a 30–60 KB page (name, price, SKU, a long description,
 * a specs table and four `.related a` links to other products, which the
 * fingerprint filter must drop). Every page is rendered once, deterministically,
 * and served from memory, so the site's own CPU stays small; it counts each
 * GET by path so the bench sees duplicate fetches from the server's side.
 */

export const PER_PAGE = 40;

export interface CatalogueSite {
  url: string;
  startUrl: string;
  /** Pages a full crawl fetches exactly once. */
  pages: number;
  /** Requests answered so far. */
  requests(): number;
  /** GETs of each path so far (robots.txt excluded). */
  hits(): Map<string, number>;
  resetHits(): void;
  close(): Promise<void>;
}

const WORDS = (
  'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore ' +
  'et dolore magna aliqua enim ad minim veniam quis nostrud exercitation ullamco laboris nisi aliquip ' +
  'ex ea commodo consequat duis aute irure in reprehenderit voluptate velit esse cillum fugiat nulla'
).split(' ');

/** A small deterministic generator (mulberry32), so every run serves the same bytes. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function sentence(r: () => number, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(WORDS[Math.floor(r() * WORDS.length)]!);
  return `${out.join(' ')}.`;
}

const layout = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>` +
  '<link rel="stylesheet" href="/static/shop.css"></head><body>' +
  '<header class="top"><a class="logo" href="/catalogue?page=1">Shop</a>' +
  '<nav><a href="/static/about.html" class="nav">About</a> <a href="/static/help.html" class="nav">Help</a></nav></header>' +
  `<main>${body}</main><footer><p>${'&copy; bench shop '.repeat(3)}</p></footer></body></html>`;

function productPage(id: number, products: number): string {
  const r = rng(id * 7919 + 1);
  const target = 30_000 + Math.floor(r() * 30_000);
  const specs = Array.from(
    { length: 12 },
    (_, i) => `<tr><th>spec ${i}</th><td>${sentence(r, 3)}</td></tr>`,
  ).join('');
  const related = Array.from({ length: 4 }, () => {
    const other = 1 + Math.floor(r() * products);
    return `<li><a href="/product/${other}">Product ${other}</a></li>`;
  }).join('');
  const head =
    `<div class="product"><h1 class="name">Product ${id}</h1>` +
    `<p class="price">${(5 + r() * 500).toFixed(2)} EUR</p><p class="sku">SKU-${id.toString(36).toUpperCase()}</p>` +
    `<table class="specs">${specs}</table><div class="description">`;
  const tail = `</div><ul class="related">${related}</ul></div>`;
  let body = '';
  while (head.length + body.length + tail.length < target) body += `<p>${sentence(r, 40)}</p>`;
  return layout(`Product ${id}`, head + body + tail);
}

function listPage(page: number, lastPage: number, products: number): string {
  const first = (page - 1) * PER_PAGE + 1;
  const rows: string[] = [];
  for (let id = first; id < first + PER_PAGE && id <= products; id++)
    rows.push(
      `<li class="item"><a class="product-link" href="/product/${id}">Product ${id}</a> <span class="teaser">${sentence(rng(id), 12)}</span></li>`,
    );
  const next = page < lastPage ? `<a class="next" href="/catalogue?page=${page + 1}">next</a>` : '';
  const prev = page > 1 ? `<a class="prev" href="/catalogue?page=${page - 1}">previous</a>` : '';
  return layout(
    `Catalogue page ${page}`,
    `<ul class="items">${rows.join('')}</ul><div class="pager">${prev} ${next}</div>`,
  );
}

export async function startCatalogueSite(o: {
  listPages: number;
  latencyMs: number;
}): Promise<CatalogueSite> {
  const products = o.listPages * PER_PAGE;
  const cache = new Map<string, Buffer>();
  const render = (path: string): Buffer | undefined => {
    const hit = cache.get(path);
    if (hit) return hit;
    let m = /^\/catalogue\?page=(\d+)$/.exec(path);
    let html: string | undefined;
    if (m && Number(m[1]) >= 1 && Number(m[1]) <= o.listPages)
      html = listPage(Number(m[1]), o.listPages, products);
    m = /^\/product\/(\d+)$/.exec(path);
    if (m && Number(m[1]) >= 1 && Number(m[1]) <= products) html = productPage(Number(m[1]), products);
    if (html === undefined) return undefined;
    const buf = Buffer.from(html);
    cache.set(path, buf);
    return buf;
  };
  let hits = new Map<string, number>();
  let count = 0;
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    count++;
    const path = req.url ?? '/';
    if (path === '/robots.txt') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('User-agent: *\nAllow: /\n');
      return;
    }
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const body = render(path);
    if (body === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    res
      .writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': body.length })
      .end(body);
  };
  // render every page now: the measured crawls then see only cached bytes
  for (let p = 1; p <= o.listPages; p++) render(`/catalogue?page=${p}`);
  for (let id = 1; id <= products; id++) render(`/product/${id}`);
  const server = createServer(
    o.latencyMs > 0 ? (req, res) => void setTimeout(handle, o.latencyMs, req, res) : handle,
  );
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    startUrl: `${url}/catalogue?page=1`,
    pages: o.listPages + products,
    requests: () => count,
    hits: () => new Map(hits),
    resetHits() {
      hits = new Map();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
