#!/usr/bin/env -S npx tsx
/** npm run lab:logs [-- <node> [service] [--lines N]] — the last lines of a node's worker (or site) log; all nodes without a name. */
import { argv } from 'zx';
import { ConfigError } from '../../crawler/errors.ts';
import { openLab, servicesOf } from '../../provision/lab.ts';
import { isMain, runLabCommand } from './run.ts';

export async function logsCommand(): Promise<number> {
  const lab = await openLab({ log: () => {} });
  const [nodeName, service = 'worker-1'] = argv._.map(String);
  const lines = Number(argv['lines'] ?? 40);
  const nodes = nodeName ? lab.nodes.filter((n) => n.name === nodeName) : lab.nodes;
  if (nodes.length === 0) {
    throw new ConfigError('CRAWL_E_USAGE', `no node named "${nodeName}"`, {
      hint: `nodes: ${lab.nodes.map((n) => n.name).join(', ')}`,
    });
  }
  for (const node of nodes) {
    console.log(`== ${node.name}: ${service}`);
    // the node's service manager reads the log where its layout keeps it (local: <node>/log/)
    const log = await servicesOf(lab, lab.provider.transport(node)).log(service, lines);
    console.log(log.trimEnd() || '(no log yet)');
  }
  return 0;
}

if (isMain(import.meta.url)) await runLabCommand('logs', logsCommand);
