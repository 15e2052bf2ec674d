#!/usr/bin/env -S npx tsx
/**
 * npm run lab:dashboard [-- --port 8090] [--host 127.0.0.1]
 * A live page of the running lab: nodes and their workers, pages/s, queue and
 * fingerprints over time, items, retries, errors and recent log lines.
 * Runs until Ctrl-C.
 */
import { argv } from 'zx';
import { ConfigError } from '../../crawler/errors.ts';
import { DASHBOARD_DEFAULTS } from '../../provision/dashboard/defaults.ts';
import { hostSources, labHosts } from '../../provision/dashboard/lab-source.ts';
import { startDashboard } from '../../provision/dashboard/server.ts';
import { masterOf, openLab, redisUrlOf } from '../../provision/lab.ts';
import { SPIDER } from '../../provision/lab-crawl.ts';
import { guardLabAddress } from '../../provision/net-guard.ts';
import { isMain, runLabCommand } from './run.ts';

const HELP = `npm run lab:dashboard [-- --port N] [--host ADDRESS]

  --port N        port of the page (default ${DASHBOARD_DEFAULTS.port}; 0 picks a free one)
  --host ADDRESS  loopback address to listen on (default ${DASHBOARD_DEFAULTS.host})

Open the printed URL in a browser while npm run lab:crawl runs. Ctrl-C stops it.`;

function portFlag(): number {
  const raw: unknown = argv['port'];
  if (raw === undefined) return DASHBOARD_DEFAULTS.port;
  // `--port` alone or `--port -1` parse as true: not a port, whatever Number(true) says
  const n = typeof raw === 'number' || typeof raw === 'string' ? Number(raw) : Number.NaN;
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new ConfigError(
      'CRAWL_E_USAGE',
      `--port must be a whole number from 0 to 65535, got ${JSON.stringify(raw)}`,
      {
        hint: `e.g. npm run lab:dashboard -- --port ${DASHBOARD_DEFAULTS.port}`,
      },
    );
  }
  return n;
}

export async function dashboardCommand(): Promise<number> {
  if (argv['help'] || argv['h']) {
    console.log(HELP);
    return 0;
  }
  const port = portFlag();
  const rawHost: unknown = argv['host'];
  if (rawHost !== undefined && typeof rawHost !== 'string') {
    throw new ConfigError('CRAWL_E_USAGE', `--host needs an address, got ${JSON.stringify(rawHost)}`, {
      hint: `e.g. npm run lab:dashboard -- --host ${DASHBOARD_DEFAULTS.host}`,
    });
  }
  const host = rawHost ?? DASHBOARD_DEFAULTS.host;
  const lab = await openLab({ log: () => {} });
  await guardLabAddress(lab, masterOf(lab).ip); // the page's feed dials the master's Redis from this host
  const { nodes, logs } = hostSources(labHosts(lab));
  const dashboard = await startDashboard({
    redisUrl: redisUrlOf(lab),
    spider: SPIDER,
    nodes,
    logs,
    host,
    port,
  });
  console.log(
    `dashboard: ${dashboard.url}  (${lab.nodes.length} nodes, provider ${lab.choice.name}; Ctrl-C stops it)`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await dashboard.close();
  console.log('dashboard stopped');
  return 0;
}

if (isMain(import.meta.url)) await runLabCommand('dashboard', dashboardCommand);
