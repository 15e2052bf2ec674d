/** The mini-Tieba demo site: the lab's offline crawl target. */
export { type Markup, resolveSiteOptions, SITE_DEFAULTS, type SiteOptions } from './options.ts';
export { crawlPages, pageName } from './pages.ts';
export { HITS_PATH, type HitLog, type RunningSite, startSite } from './server.ts';
export type { FloorDoc, SubCommentDoc, ThreadDoc, Truth, UserDoc } from './truth.ts';
