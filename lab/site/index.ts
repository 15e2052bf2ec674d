/** The mini-Tieba demo site: the lab's offline crawl target. */
export { type Markup, resolveSiteOptions, SITE_DEFAULTS, type SiteOptions } from './options.ts';
export { type RunningSite, startSite } from './server.ts';
export type { FloorDoc, SubCommentDoc, ThreadDoc, Truth, UserDoc } from './truth.ts';
