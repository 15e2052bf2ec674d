import { request } from 'node:http';
import { type CheerioAPI, load } from 'cheerio';
import type { RunningSite } from '../../../lab/site/server.ts';

export interface Got {
  status: number;
  type: string;
  body: string;
}

/** GET on the site's loopback port, optionally with a chosen Host header (pager hrefs name it). */
export function get(site: RunningSite, path: string, host?: string): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: site.host, port: site.port, path, headers: host ? { host } : {}, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            type: String(res.headers['content-type']),
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

export const listPath = (site: RunningSite, pn: number) =>
  `/f?kw=${encodeURIComponent(site.options.bar)}&ie=utf-8&pn=${pn}`;

/** The thread-list markup of a list page: the BigPipe comment's text (2024) or the page itself (2017). */
export function threadList(html: string): { $: CheerioAPI; wrapped: boolean } {
  const $ = load(html);
  const code = $('code[id="pagelet_html_frs-list/pagelet/thread_list"]');
  if (code.length === 0) return { $, wrapped: false };
  const comment = code
    .contents()
    .toArray()
    .find((n) => n.type === 'comment');
  if (!comment || !('data' in comment))
    throw new Error('code#pagelet_html_frs-list/pagelet/thread_list has no comment');
  return { $: load(String(comment.data)), wrapped: true };
}

export function jsonAttr(value: string | undefined): Record<string, unknown> {
  if (value === undefined) throw new Error('missing data-field');
  return JSON.parse(value) as Record<string, unknown>;
}
