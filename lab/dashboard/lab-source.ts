import type { Lab } from '../../provision/lab.ts';
import { layoutOf } from '../../provision/layout.ts';
import { serviceLog, serviceState } from '../../provision/services.ts';
import type { LabNode, Transport } from '../../provision/types.ts';
import { workersOf } from '../runner/workers.ts';
import { DASHBOARD_DEFAULTS } from './defaults.ts';
import type { DashboardNode, ServiceStatus } from './types.ts';

/** One machine and the supervised services the dashboard watches on it. */
export interface ServiceHost {
  node: LabNode;
  transport: Transport;
  /** Crawl workers: their id in the crawl stats and their service name. */
  workers: { id: string; service: string }[];
  /** Other services to show (the master's mini-Tieba site). */
  others: string[];
}

/** The lab's machines with the workers lab:crawl starts on them (workersOf); the master also serves the site. */
export function labHosts(lab: Lab): ServiceHost[] {
  const workers = workersOf(lab);
  return lab.nodes.map((node) => ({
    node,
    transport: lab.provider.transport(node),
    workers: workers.filter((w) => w.node.name === node.name).map(({ id, service }) => ({ id, service })),
    others: node.role === 'master' && lab.config.crawl.target === 'mini-tieba' ? ['site'] : [],
  }));
}

/**
 * Dashboard nodes and a log reader over the lab transport: service states and
 * the `tail` of the worker logs, where the node's layout (layout.ts) keeps them.
 */
export function hostSources(hosts: readonly ServiceHost[]): {
  nodes: DashboardNode[];
  logs: () => Promise<string[]>;
} {
  const nodes = hosts.map(
    (h): DashboardNode => ({
      name: h.node.name,
      ip: h.node.ip,
      role: h.node.role,
      workerIds: h.workers.map((w) => w.id),
      services: () =>
        Promise.all(
          [...h.others, ...h.workers.map((w) => w.service)].map(async (name): Promise<ServiceStatus> => {
            const s = await serviceState(h.transport, name, layoutOf(h.transport).services);
            return { name, ...s };
          }),
        ),
    }),
  );
  const logs = async () => {
    const chunks = await Promise.all(
      hosts.flatMap((h) =>
        h.workers.map(async (w) => {
          const { services } = layoutOf(h.transport);
          const text = await serviceLog(h.transport, w.service, DASHBOARD_DEFAULTS.logLines, services);
          return text
            .split('\n')
            .filter((l) => l.trim() !== '')
            .map((l) => `${h.node.name}/${w.service} ${l}`);
        }),
      ),
    );
    return mergeByTime(chunks).slice(-DASHBOARD_DEFAULTS.logLines);
  };
  return { nodes, logs };
}

const TIME = /^\S+ (\d\d:\d\d:\d\d) /;

/**
 * Interleave several logs by the HH:MM:SS that text log lines start with (after
 * the node prefix); a line without one keeps the time of the line before it.
 * Stable, so lines of one second stay in their file's order.
 */
export function mergeByTime(chunks: readonly string[][]): string[] {
  const tagged: { time: string; line: string }[] = [];
  for (const lines of chunks) {
    let time = '';
    for (const line of lines) {
      time = TIME.exec(line)?.[1] ?? time;
      tagged.push({ time, line });
    }
  }
  return tagged
    .map((x, i) => ({ ...x, i }))
    .sort((a, b) => (a.time === b.time ? a.i - b.i : a.time < b.time ? -1 : 1))
    .map((x) => x.line);
}
