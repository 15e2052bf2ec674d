import { SiteData } from '../../lab/site/data.ts';
import { resolveSiteOptions } from '../../lab/site/options.ts';
import { computeTruth, truthDocuments } from '../../lab/site/truth.ts';
import { hostSiteUrl, type Lab } from '../../provision/lab.ts';

/**
 * Fetch every URL a full crawl of the lab's mini-Tieba site fetches, once, so
 * the site serves them from its cache during the measured crawl and its own
 * CPU stays out of the figures.
 */
export async function warmSite(lab: Lab): Promise<void> {
  await warmTiebaSite(await hostSiteUrl(lab), lab.config.crawl.listPages, lab.config.site.seed);
}

/** warmSite for a mini-Tieba site at `base` ("http://host:port") started with these options. */
export async function warmTiebaSite(base: string, listPages: number, seed?: number): Promise<void> {
  const data = new SiteData(resolveSiteOptions({ listPages, ...(seed === undefined ? {} : { seed }) }));
  const truth = computeTruth(data);
  const { forum, threadsPerPage } = truth;
  const urls: string[] = [];
  for (let p = 0; p < truth.listPages; p++)
    urls.push(`${base}/f?kw=${encodeURIComponent(forum.name)}&ie=utf-8&pn=${p * threadsPerPage}`);
  for (const doc of truthDocuments(data)) {
    for (let pn = 1; pn <= doc.pages; pn++) {
      urls.push(pn === 1 ? `${base}/p/${doc.tid}` : `${base}/p/${doc.tid}?pn=${pn}`);
      urls.push(`${base}/p/totalComment?tid=${doc.tid}&fid=${forum.fid}&pn=${pn}&see_lz=0`);
    }
  }
  for (let i = 0; i < urls.length; i += 32) {
    await Promise.all(urls.slice(i, i + 32).map(async (u) => (await fetch(u)).arrayBuffer()));
  }
}
