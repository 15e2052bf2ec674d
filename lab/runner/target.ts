import { type Lab, masterOf } from '../../provision/lab.ts';
import { LAB_SPIDER } from '../../provision/redis-acl.ts';

/**
 * What a lab crawl crawls: the article's Tieba spider, started at list page 1
 * of the forum 聊天 — on the lab's own mini-Tieba site (served from the
 * master), or on the real Tieba when lab.yaml says `crawl.target: real-tieba`.
 */
export const SPIDER = LAB_SPIDER;
const REAL_TIEBA = 'https://tieba.baidu.com/f?kw=%E8%81%8A%E5%A4%A9&ie=utf-8&pn=0';

/** The crawl's start request (JSON, as `crawl seed` takes it): list page 1 of the lab's target. */
export function labStartRequest(lab: Lab): string {
  const start =
    lab.config.crawl.target === 'mini-tieba'
      ? `http://${masterOf(lab).ip}:${lab.config.site.port}/f?kw=${encodeURIComponent('聊天')}&ie=utf-8&pn=0`
      : REAL_TIEBA;
  const meta = { maxListPages: lab.config.crawl.listPages, allPages: lab.config.crawl.allPages };
  return JSON.stringify({ url: start, meta });
}
