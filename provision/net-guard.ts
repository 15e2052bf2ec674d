import { isIP } from 'node:net';
import { ProviderError } from './transports/errors.ts';
import { execArgv } from './transports/exec.ts';

/**
 * The host may dial a lab address only when the lab really holds it. The
 * default lab addresses (192.168.56.0/24) belong to VMs; on a machine where
 * no lab is up they route out of the default gateway to somebody else's
 * network. Every provider answers Provider.hostEndpoint() with one of these
 * policies before any socket to a node opens:
 *   - loopback: always fine (the local provider lives there, forwarded VM ports too);
 *   - netns: the kernel's route to the address (`ip route get`, a netlink
 *     question: no packet leaves) must go out via THIS lab's bridge clab-<labId>;
 *   - vagrant, ssh: the addresses are real machines the learner set up: allowed;
 *   - local: anything but loopback is a mistake;
 *   - qemu: only ports forwarded to 127.0.0.1.
 */

/** The device the kernel would send packets for `ip` through (undefined: no route). */
export type RouteLookup = (ip: string) => Promise<string | undefined>;

export function isLoopback(ip: string): boolean {
  if (ip === 'localhost' || ip === '::1') return true;
  return isIP(ip) === 4 && ip.startsWith('127.');
}

/** `ip -o route get <ip>` → the `dev` word; the answer comes from the routing table, nothing is sent. */
export const kernelRoute: RouteLookup = async (ip) => {
  const r = await execArgv(['ip', '-o', 'route', 'get', ip], { node: 'host', nothrow: true });
  if (r.exitCode !== 0) return undefined;
  return /\bdev (\S+)/.exec(r.stdout)?.[1];
};

const notUp = (ip: string, detail: string) =>
  new ProviderError(`the lab is not up (no stand-in holds ${ip}): ${detail}`, {
    hint: 'run npm run lab:up (npm run lab:status shows what runs)',
  });

/** netns: loopback, or an IPv4 address the kernel routes through the lab's own bridge. */
export async function requireRouteVia(ip: string, bridge: string, route: RouteLookup): Promise<void> {
  if (isLoopback(ip)) return;
  if (isIP(ip) !== 4) throw notUp(ip, 'netns stand-ins have IPv4 addresses only');
  const dev = await route(ip);
  if (dev !== bridge)
    throw notUp(
      ip,
      dev === undefined
        ? 'the host has no route to it'
        : `the host would send to it through ${dev}, not this lab's bridge ${bridge}`,
    );
}

/** local: the nodes live on loopback; any other address was asked for by mistake. */
export function requireLoopback(ip: string): void {
  if (isLoopback(ip)) return;
  throw new ProviderError(`the local provider's nodes live on loopback, but ${ip} was asked for`, {
    hint: 'local labs use 127.0.0.x addresses: open the lab with openLab() so its nodes get them',
  });
}

/**
 * qemu: the VMs' lab network lives only on a multicast socket between QEMU
 * processes, so the host dials nothing but the ports forwarded to 127.0.0.1
 * (`forwards`: guest port → host port; undefined when the VM does not run).
 */
export function requireForwarded(
  node: { name: string; ip: string },
  port: number,
  forwards: Readonly<Record<number, number>> | undefined,
): { host: string; port: number } {
  if (forwards === undefined)
    throw new ProviderError(`the lab is not up: the VM ${node.name} does not run`, {
      hint: 'run npm run lab:up (npm run lab:status shows what runs)',
    });
  const hostPort = forwards[port];
  if (hostPort === undefined)
    throw new ProviderError(
      `port ${port} of ${node.name} is not forwarded to this host (forwarded: ${Object.keys(forwards).join(', ')}); its lab address ${node.ip} is reachable only from the other VMs`,
      { hint: 'use npm run lab:ssh to work on the VM, or reach the port from another node' },
    );
  return { host: '127.0.0.1', port: hostPort };
}
