import { LabConfigError } from './errors.ts';
import {
  type Cidr,
  cidrInside,
  formatIPv4,
  isPrivate,
  networkOf,
  parseCidr,
  parseIPv4,
  VIRTUALBOX_HOST_ONLY,
} from './network.ts';
import type { LabConfig } from './types.ts';

/**
 * Address rules per provider. vagrant (and auto, which may pick vagrant):
 * one /24 inside VirtualBox's host-only range. netns and qemu: one private /24
 * (qemu: not QEMU's own NAT network 10.0.2.0/24). ssh and
 * local: any valid IPv4 (the machines already exist, or everything is on
 * loopback). In a /24 the host itself is .1 (VirtualBox's host-only adapter, or
 * the netns bridge), so nodes never use .0, .1 or .255.
 */
/** QEMU's user-mode NAT (-netdev user): the guests' first interface, so never the lab network. */
const QEMU_NAT_NET = '10.0.2.0';

export function checkAddresses(config: LabConfig): void {
  const { provider, source } = config;
  const shared = provider === 'auto' || provider === 'vagrant' || provider === 'netns' || provider === 'qemu';
  const cidr = checkCidr(config);

  const seen = new Map<string, number>();
  config.nodes.forEach((node, i) => {
    const key = `nodes[${i}].ip`;
    const ip = parseIPv4(node.ip);
    if (ip === undefined) {
      throw new LabConfigError(key, `${JSON.stringify(node.ip)} is not an IPv4 address`, {
        value: node.ip,
        source,
        hint: 'write four numbers from 0 to 255 without leading zeros, such as 192.168.56.13.',
      });
    }
    if (shared && cidr) checkInNetwork(ip, cidr, key, config);
    // ssh nodes may share an address when they differ by port (several sshd on one host).
    const identity = provider === 'ssh' ? `${node.ip}:${node.ssh?.port}` : node.ip;
    const first = seen.get(identity);
    if (first !== undefined) {
      throw new LabConfigError(
        key,
        `${node.ip} is already nodes[${first}].ip (${config.nodes[first]!.name})`,
        {
          value: node.ip,
          source,
          hint: 'give every node its own address, e.g. the next free one in network.cidr.',
        },
      );
    }
    seen.set(identity, i);
  });
}

function checkCidr(config: LabConfig): Cidr | undefined {
  const { provider, source } = config;
  const text = config.network.cidr;
  const cidr = parseCidr(text);
  const fail = (problem: string, hint: string): never => {
    throw new LabConfigError('network.cidr', `${JSON.stringify(text)} ${problem}`, {
      value: text,
      source,
      hint,
    });
  };
  if (!cidr) return fail('is not a network in CIDR form', "write it like '192.168.56.0/24'.");
  if (provider === 'ssh' || provider === 'local') return undefined;
  if (cidr.prefix !== 24) {
    fail(
      `has prefix /${cidr.prefix}; the lab uses exactly one /24`,
      `use ${formatIPv4(networkOf(cidr.base, 24))}/24: all nodes share one /24 and the host is its .1.`,
    );
  }
  if (networkOf(cidr.base, 24) !== cidr.base) {
    fail('has host bits set', `use the network address: ${formatIPv4(networkOf(cidr.base, 24))}/24.`);
  }
  const privateOnly = provider === 'netns' || provider === 'qemu';
  if (provider === 'qemu' && formatIPv4(cidr.base) === QEMU_NAT_NET) {
    fail(
      "is QEMU's own user-mode NAT network (each VM's first interface)",
      'use another private /24 for the lab network, e.g. 192.168.56.0/24 or 10.56.0.0/24.',
    );
  }
  if (privateOnly && !isPrivate(cidr.base)) {
    fail(
      'is not a private network',
      'use a range from 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16 so the stand-in hosts never shadow real ones, e.g. 10.56.0.0/24.',
    );
  }
  if (!privateOnly && !cidrInside(cidr, VIRTUALBOX_HOST_ONLY)) {
    fail(
      `is outside VirtualBox's host-only range 192.168.56.0/21${provider === 'auto' ? " (provider 'auto' may pick vagrant)" : ''}`,
      'use a /24 from 192.168.56.0/24 to 192.168.63.0/24. VirtualBox 6.1.28 and later refuse other host-only addresses unless /etc/vbox/networks.conf lists them' +
        (provider === 'auto' ? '; or set provider: netns to use another private range.' : '.'),
    );
  }
  return cidr;
}

function checkInNetwork(ip: number, cidr: Cidr, key: string, config: LabConfig): void {
  const { source } = config;
  const text = formatIPv4(ip);
  if (networkOf(ip, 24) !== cidr.base) {
    throw new LabConfigError(key, `${text} is outside network.cidr ${cidr.text}`, {
      value: text,
      source,
      hint: `all nodes share one network: pick an address from ${formatIPv4(cidr.base + 10)} to ${formatIPv4(cidr.base + 254)}, or change network.cidr.`,
    });
  }
  const host = ip & 255;
  const reserved: Record<number, string> = {
    0: 'the network address itself',
    1: "the host's own address on this network (VirtualBox's host-only adapter, or the netns bridge)",
    255: 'the broadcast address',
  };
  if (reserved[host] !== undefined) {
    throw new LabConfigError(key, `${text} is ${reserved[host]}`, {
      value: text,
      source,
      hint: `pick an address from ${formatIPv4(cidr.base + 10)} to ${formatIPv4(cidr.base + 254)}.`,
    });
  }
}
