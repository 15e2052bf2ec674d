import { ConfigError } from 'crawl-lab';
import { hostRedisCa, hostRedisUrl, openLab } from '../../provision/lab.ts';
import { DASHBOARD_DEFAULTS } from '../dashboard/defaults.ts';
import { hostSources, labHosts } from '../dashboard/lab-source.ts';
import { startDashboard } from '../dashboard/server.ts';
import { SPIDER } from '../runner/target.ts';
import type { LabCommand } from './run-command.ts';

const USAGE = `npm run lab:dashboard [-- --port N] [--host ADDRESS]

A live page of the running lab: nodes and their workers, pages/s, queue and
fingerprints over time, items, retries, errors and recent log lines.

  --port N        port of the page (default ${DASHBOARD_DEFAULTS.port}; 0 picks a free one)
  --host ADDRESS  loopback address to listen on (default ${DASHBOARD_DEFAULTS.host})

Open the printed URL in a browser while npm run lab:crawl runs. Ctrl-C stops it.`;

function portOf(raw: string | undefined): number {
  if (raw === undefined) return DASHBOARD_DEFAULTS.port;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(n) || n < 0 || n > 65535) {
    throw new ConfigError(
      'CRAWL_E_USAGE',
      `--port must be a whole number from 0 to 65535, got ${/^-?\d+$/.test(raw) ? raw : JSON.stringify(raw)}`,
      { hint: `e.g. npm run lab:dashboard -- --port ${DASHBOARD_DEFAULTS.port}` },
    );
  }
  return n;
}

export async function dashboard(o: { port?: string; host?: string }): Promise<number> {
  const port = portOf(o.port);
  const host = o.host ?? DASHBOARD_DEFAULTS.host;
  const lab = await openLab({ log: () => {} });
  // the page's feed dials the master's Redis from this host: through the provider's network guard
  const redisUrl = await hostRedisUrl(lab);
  const { nodes, logs } = hostSources(labHosts(lab));
  const redisCa = hostRedisCa(lab);
  const page = await startDashboard({
    redisUrl,
    ...(redisCa ? { redisCa } : {}),
    spider: SPIDER,
    nodes,
    logs,
    host,
    port,
  });
  console.log(
    `dashboard: ${page.url}  (${lab.nodes.length} nodes, provider ${lab.choice.name}; Ctrl-C stops it)`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await page.close();
  console.log('dashboard stopped');
  return 0;
}

export const dashboardCommand: LabCommand = {
  name: 'dashboard',
  usage: USAGE,
  options: { port: { type: 'string' }, host: { type: 'string' } },
  run: ({ values }) =>
    dashboard({
      ...(typeof values['port'] === 'string' ? { port: values['port'] } : {}),
      ...(typeof values['host'] === 'string' ? { host: values['host'] } : {}),
    }),
};
