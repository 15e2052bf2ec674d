import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError } from '../../common/errors.ts';
import { SiteData } from './data.ts';
import { type Abandoned, HOLD_PATH, SiteHold } from './hold.ts';
import { resolveSiteOptions, type SiteOptions } from './options.ts';
import { Router } from './routes.ts';
import { computeTruth, type ThreadDoc, type Truth, truthDocuments } from './truth.ts';

/** A running mini-Tieba site. */
export interface RunningSite {
  /** "http://host:port" (no trailing slash). */
  url: string;
  origin: string;
  /** List page 1: `<origin>/f?kw=<bar>&ie=utf-8&pn=0`. */
  startUrl: string;
  host: string;
  port: number;
  options: Readonly<SiteOptions>;
  truth: Truth;
  /** Expected per-thread data (builds every floor: call it in checks, not per request). */
  truthDocuments(): ThreadDoc[];
  /** Requests answered so far (all routes, faults included). */
  requests(): number;
  /** The hit log served at /__truth/hits: GETs of each page of the forum, and other requests. */
  hits(): HitLog;
  close(): Promise<void>;
}

/**
 * The site's own count of what it served, so a crawl can be checked against
 * "each page fetched once" from the server's side: GETs answered 200 per page
 * name (pages.ts), and every other request but robots.txt, /__truth and
 * injected faults, by status and URL. `DELETE /__truth/hits` starts it again
 * (a fresh crawl does, lab/runner/truth-check.ts).
 */
export interface HitLog {
  /** When the log started (ms since the epoch): the site's start or the last reset. */
  since: number;
  pages: Record<string, number>;
  /** "404 /p/1?pn=9" -> count: requests that are not a page of the forum. */
  other: Record<string, number>;
  /** While a chaos hold is on (hold.ts): the page names of the requests held, by client address. */
  held?: Record<string, string[]>;
  /** Held requests whose client went away before the answer (never served, not in `pages`). */
  abandoned?: Abandoned[];
}

export const HITS_PATH = '/__truth/hits';

/** Host header as it may appear in hrefs; anything odd falls back to the bound address. */
const SAFE_HOST = /^[A-Za-z0-9.\-:[\]]{1,255}$/;

export async function startSite(input: Partial<SiteOptions> = {}): Promise<RunningSite> {
  const options = resolveSiteOptions(input);
  const data = new SiteData(options);
  const truth = computeTruth(data);
  const router = new Router(data, truth);
  const attempts = new Map<string, number>();
  let count = 0;
  let log: HitLog = { since: Date.now(), pages: {}, other: {} };
  const bump = (to: Record<string, number>, key: string) => {
    to[key] = (to[key] ?? 0) + 1;
  };
  let fallbackHost = options.host;
  const hold = new SiteHold();
  const report = (): HitLog => ({ ...structuredClone(log), ...hold.report() });

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    count++;
    const rawUrl = req.url ?? '/';
    if (rawUrl === HITS_PATH) {
      if (req.method === 'DELETE') {
        log = { since: Date.now(), pages: {}, other: {} };
        hold.reset();
      }
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(report()));
      return;
    }
    if (rawUrl.startsWith(`${HOLD_PATH}?`) || rawUrl === HOLD_PATH) {
      const q = new URL(rawUrl, 'http://site').searchParams;
      const from = q.get('from') ?? '';
      const seconds = Number(q.get('s') ?? '10');
      if (req.method === 'PUT' && from && Number.isFinite(seconds) && seconds > 0) hold.start(from, seconds);
      else if (req.method === 'DELETE') hold.release();
      else {
        res
          .writeHead(400, { 'content-type': 'text/plain; charset=utf-8' })
          .end(`PUT ${HOLD_PATH}?from=<client address>&s=<seconds>, or DELETE ${HOLD_PATH}\n`);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(report()));
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res
        .writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' })
        .end('use GET\n');
      return;
    }
    if (options.failFirst > 0) {
      const n = (attempts.get(rawUrl) ?? 0) + 1;
      attempts.set(rawUrl, n);
      if (n <= options.failFirst) {
        res
          .writeHead(503, { 'content-type': 'text/plain; charset=utf-8' })
          .end(`fault injected: attempt ${n} of ${options.failFirst}\n`);
        return;
      }
    }
    const header = req.headers.host;
    const host = header !== undefined && SAFE_HOST.test(header) ? header : fallbackHost;
    const r = router.route(rawUrl, host);
    const serve = () => {
      if (r.page !== undefined && r.status === 200) {
        if (req.method === 'GET') bump(log.pages, r.page);
      } else if (rawUrl !== '/robots.txt' && !rawUrl.startsWith('/__truth'))
        bump(log.other, `${r.status} ${rawUrl}`);
      res.writeHead(r.status, { 'content-type': r.type, 'content-length': r.body.length });
      res.end(req.method === 'HEAD' ? undefined : r.body);
    };
    if (!rawUrl.startsWith('/__truth') && hold.take(req, res, r.page ?? rawUrl, serve)) return;
    serve();
  };

  const server = createServer(
    options.latencyMs > 0 ? (req, res) => void setTimeout(handle, options.latencyMs, req, res) : handle,
  );
  // long keep-alive: crawler workers reuse their connections for the whole crawl
  server.keepAliveTimeout = 30_000;
  server.headersTimeout = 35_000;
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) =>
      reject(
        new ConfigError(
          'CRAWL_E_SETTING_INVALID',
          `site cannot listen on ${options.host}:${options.port}: ${error.code ?? error.message}`,
          {
            hint: 'pick another --port (0 picks a free one) or a --host this machine owns',
            cause: error,
          },
        ),
      );
    server.once('error', onError);
    server.listen(options.port, options.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const hostPart = options.host.includes(':') ? `[${options.host}]` : options.host;
  fallbackHost = `${hostPart}:${port}`;
  const origin = `http://${fallbackHost}`;
  let closing: Promise<void> | undefined;
  return {
    url: origin,
    origin,
    startUrl: `${origin}/f?kw=${encodeURIComponent(options.bar)}&ie=utf-8&pn=0`,
    host: options.host,
    port,
    options,
    truth,
    truthDocuments: () => truthDocuments(data),
    requests: () => count,
    hits: report,
    close() {
      hold.release();
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
