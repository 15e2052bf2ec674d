import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Settings } from 'crawl-lab';
import { resolveSettings } from 'crawl-lab';
import { ConfigError } from '../../common/errors.ts';
import { DASHBOARD_DEFAULTS } from './defaults.ts';
import { DashboardFeed } from './feed.ts';
import type { DashboardNode, Snapshot } from './types.ts';

export interface DashboardOptions {
  /** The crawl's Redis, password included; it stays in this process. */
  redisUrl: string;
  spider: string;
  nodes: readonly DashboardNode[];
  /** Recent log lines of the workers (already prefixed with their node). */
  logs?: () => Promise<string[]>;
  /** Event streams open at once; more get 503. @default DASHBOARD_DEFAULTS.maxStreams */
  maxStreams?: number;
  /** Loopback only. @default DASHBOARD_DEFAULTS.host */
  host?: string;
  /** 0 picks a free port. @default DASHBOARD_DEFAULTS.port */
  port?: number;
  /** rediss:// (lab.yaml redis.tls): the lab CA's certificate file. @default '' (the system's CAs) */
  redisCa?: string;
  /** Key prefix and the rest; default: the crawler defaults with this redisUrl and redisCa. */
  settings?: Settings;
  /** @default DASHBOARD_DEFAULTS.pollMs */
  pollMs?: number;
}

export interface RunningDashboard {
  /** http://host:port/ */
  url: string;
  port: number;
  /** The last snapshot pushed to pages. */
  latest(): Snapshot;
  close(): Promise<void>;
}

/** The page's files, read once; served with a strict CSP (no inline script, same origin only). */
const ASSETS: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/i18n.js': { file: 'i18n.js', type: 'text/javascript; charset=utf-8' },
  '/chart.js': { file: 'chart.js', type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
};
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

/**
 * `npm run lab:dashboard`: a page on this machine showing the lab as it runs,
 * live through Server-Sent Events (/events), the latest snapshot as JSON
 * (/api/snapshot). One poll loop serves every open page.
 */
export async function startDashboard(options: DashboardOptions): Promise<RunningDashboard> {
  const host = options.host ?? DASHBOARD_DEFAULTS.host;
  const port = options.port ?? DASHBOARD_DEFAULTS.port;
  checkHost(host);
  checkPort(port);
  const settings =
    options.settings ??
    resolveSettings({
      env: {},
      flags: { redisUrl: options.redisUrl, ...(options.redisCa ? { redisCa: options.redisCa } : {}) },
    }).settings;
  const pages = loadAssets();
  const feed = new DashboardFeed({ ...options, settings });
  const streams = new Set<ServerResponse>();
  const maxStreams = options.maxStreams ?? DASHBOARD_DEFAULTS.maxStreams;
  feed.subscribe((snap) => {
    const frame = `data: ${JSON.stringify(snap)}\n\n`;
    for (const res of streams) res.write(frame);
  });

  let boundPort = port;
  const server = createServer((req, res) => {
    if (!hostAllowed(req, boundPort)) {
      // a page on another site reaching us through DNS rebinding sends its own Host
      res.writeHead(421, { 'content-type': 'text/plain; charset=utf-8' }).end('use http://127.0.0.1\n');
      return;
    }
    const path = (req.url ?? '/').split('?')[0]!;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/events') {
      if (streams.size >= maxStreams) {
        res
          .writeHead(503, {
            ...SECURITY_HEADERS,
            'content-type': 'text/plain; charset=utf-8',
            'retry-after': '5',
          })
          .end(`${maxStreams} live pages are open already: close a tab (or GET /api/snapshot)\n`);
        return;
      }
      return openStream(res, streams, feed.latest);
    }
    if (path === '/api/snapshot') {
      res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(feed.latest));
      return;
    }
    const asset = ASSETS[path];
    if (!asset) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found: try /\n');
      return;
    }
    res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': asset.type }).end(pages.get(path));
  });

  await listen(server, host, port);
  boundPort = (server.address() as AddressInfo).port;
  await feed.start();
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${boundPort}/`,
    port: boundPort,
    latest: () => feed.latest,
    async close() {
      await feed.stop();
      for (const res of streams) res.end();
      streams.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function openStream(res: ServerResponse, streams: Set<ServerResponse>, latest: Snapshot): void {
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'content-type': 'text/event-stream; charset=utf-8',
    connection: 'keep-alive',
  });
  // the page reconnects by itself after 2 s if the stream breaks
  res.write(`retry: 2000\n\ndata: ${JSON.stringify(latest)}\n\n`);
  streams.add(res);
  res.on('close', () => streams.delete(res));
}

function loadAssets(): Map<string, string> {
  const out = new Map<string, string>();
  for (const [path, { file }] of Object.entries(ASSETS))
    out.set(path, readFileSync(new URL(`./page/${file}`, import.meta.url), 'utf8'));
  return out;
}

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|localhost)$/;

function checkHost(host: string): void {
  if (LOOPBACK.test(host)) return;
  throw new ConfigError('CRAWL_E_USAGE', `dashboard host ${JSON.stringify(host)} is not a loopback address`, {
    hint: 'the dashboard shows lab logs, so it listens on this machine only: use --host 127.0.0.1 (the default); to watch from another PC, tunnel it: ssh -L 8090:127.0.0.1:8090 <this machine>',
  });
}

function checkPort(port: number): void {
  if (Number.isInteger(port) && port >= 0 && port <= 65535) return;
  throw new ConfigError('CRAWL_E_USAGE', `dashboard port ${JSON.stringify(port)} is not a port number`, {
    hint: `use a whole number from 1 to 65535, e.g. --port ${DASHBOARD_DEFAULTS.port} (0 picks a free one)`,
  });
}

function hostAllowed(req: IncomingMessage, port: number): boolean {
  const header = req.headers.host ?? '';
  const name = header.replace(new RegExp(`:${port}$`), '').replace(/^\[(.*)\]$/, '$1');
  return LOOPBACK.test(name);
}

function listen(server: ReturnType<typeof createServer>, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EADDRINUSE') return reject(error);
      reject(
        new ConfigError('CRAWL_E_USAGE', `dashboard port ${port} on ${host} is already in use`, {
          hint: `stop the other program (ss -ltnp 'sport = :${port}' shows it) or pick another port: npm run lab:dashboard -- --port ${port + 1}`,
          cause: error,
        }),
      );
    });
    server.listen(port, host, () => resolve());
  });
}
