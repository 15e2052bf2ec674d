import type { ServicePaths } from './services.ts';
import type { LabNode, Transport } from './types.ts';

/**
 * Where things live on a node: the crawler's folder, the node binary, the data
 * folder and the supervised services' pidfiles and logs. VMs and netns stand-ins
 * use the usual system paths; the `local` provider has no root, so each node
 * keeps all of it under its own folder in the lab's state dir.
 *
 * The layout travels with the node's transport (see `withLayout`), so steps
 * and lab:crawl look it up from the transport they already hold instead of
 * hard-coding /opt and /var.
 */
export interface NodeLayout {
  /** The built crawler (dist/) is copied here. */
  appDir: string;
  /** The node binary services run. */
  nodeBin: string;
  /** Items (fallback sink) and other data the node writes. */
  dataDir: string;
  /** Pidfiles and logs of supervised services (provision/services.ts). */
  services: ServicePaths;
}

/** VMs and netns stand-ins: the paths a Debian machine would use. */
export const SYSTEM_LAYOUT: Readonly<NodeLayout> = Object.freeze({
  appDir: '/opt/crawl-lab',
  nodeBin: '/usr/local/bin/node',
  dataDir: '/var/lib/crawl-lab',
  services: Object.freeze({ runDir: '/run/crawl-lab', logDir: '/var/log/crawl-lab' }),
});

/** A local node: everything under its own folder; the host's node binary (same machine, nothing to install). */
export function localLayout(nodeDir: string, hostNode: string = process.execPath): NodeLayout {
  return {
    appDir: `${nodeDir}/app`,
    nodeBin: hostNode,
    dataDir: `${nodeDir}/data`,
    services: { runDir: `${nodeDir}/run`, logDir: `${nodeDir}/log` },
  };
}

/**
 * Layouts other than the system one, by node object. Keyed by the transport's
 * `node` (not the transport) so wrappers that pass `node` through, such as the
 * tracing transport of run-steps.ts, keep the layout.
 */
const LAYOUTS = new WeakMap<LabNode, NodeLayout>();

/** A copy of `node` that carries `layout`: give it to the node's transport. */
export function withLayout(node: LabNode, layout: NodeLayout): LabNode {
  const copy = { ...node };
  LAYOUTS.set(copy, layout);
  return copy;
}

/** The layout of the node a transport reaches: its own if its provider set one, else the system one. */
export function layoutOf(transport: Pick<Transport, 'node'>): NodeLayout {
  return LAYOUTS.get(transport.node) ?? SYSTEM_LAYOUT;
}
