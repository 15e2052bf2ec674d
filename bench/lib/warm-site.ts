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
  const base = await hostSiteUrl(lab);
  const data = new SiteData(
    resolveSiteOptions({ listPages: lab.config.crawl.listPages, seed: lab.config.site.seed }),
  );
  const truth = computeTruth(data);
  const { forum, listPages, threadsPerPage } = truth;
  const urls: string[] = [];
  for (let p = 0; p < listPages; p++)
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
