/**
 * THE one place for dashboard defaults (`npm run lab:dashboard`). The dashboard
 * belongs to the lab, not to a crawler worker, so these are not crawler settings.
 */
export const DASHBOARD_DEFAULTS = Object.freeze({
  /** Loopback only: the page shows lab logs. @default '127.0.0.1' */
  host: '127.0.0.1',
  /** Next to the mini-Tieba site's 8080. @default 8090 */
  port: 8090,
  /** How often the server reads Redis (and the nodes) and pushes a snapshot, ms. @default 1000 */
  pollMs: 1000,
  /** Points kept for the chart (one per poll: 300 = five minutes). @default 300 */
  historyPoints: 300,
  /** Polls the pages/s figures are averaged over. @default 5 */
  rateWindow: 5,
  /** Log lines sent to the page. @default 40 */
  logLines: 40,
  /** Longest log line sent to the page, characters. @default 400 */
  logLineMax: 400,
  /**
   * Open event streams (/events) at once: a few tabs per operator; more are
   * refused with 503 and a Retry-After, so nobody can hold a thousand. @default 16
   */
  maxStreams: 16,
});

export type DashboardDefaults = typeof DASHBOARD_DEFAULTS;
