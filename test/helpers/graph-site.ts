import { startHttp, type TestServer } from './http.ts';

/**
 * A small linked site for crawl tests: pages /p/0 .. /p/<n-1>, each with an <h1>
 * and links to three others (so most pages are found several times: the
 * fingerprint filter must drop the repeats). Counts hits per path.
 */
export interface GraphSite extends TestServer {
  pages: number;
  hitsByPath: Map<string, number>;
  startUrl: string;
}

export async function startGraphSite(pages: number, latencyMs = 0): Promise<GraphSite> {
  const hitsByPath = new Map<string, number>();
  const server = await startHttp((req, res) => {
    const path = req.url ?? '/';
    hitsByPath.set(path, (hitsByPath.get(path) ?? 0) + 1);
    if (path === '/robots.txt') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('User-agent: *\nDisallow: /private/\n');
      return;
    }
    const m = /^\/p\/(\d+)$/.exec(path);
    const i = m ? Number(m[1]) : -1;
    if (i < 0 || i >= pages) {
      res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>not found</h1>');
      return;
    }
    const links = [(i + 1) % pages, (i * 7 + 3) % pages, (i * 13 + 5) % pages].map(
      (j) => `<a href="/p/${j}">page ${j}</a>`,
    );
    const html = `<!doctype html><html><head><title>page ${i}</title></head><body><h1>Page ${i}</h1>${links.join(' ')}<a href="/private/x">no</a><a href="http://offsite.invalid/">away</a></body></html>`;
    setTimeout(() => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html), latencyMs);
  });
  return Object.assign(server, { pages, hitsByPath, startUrl: `${server.origin}/p/0` });
}
