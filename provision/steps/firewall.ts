import { createHash } from 'node:crypto';
import { CrawlError } from '../../common/errors.ts';
import type { LabNode, Step, Transport } from '../types.ts';
import { aptInstall } from './apt.ts';

/**
 * The master's firewall: Redis (6379) and MongoDB (27017) answer only the lab
 * network and the machine itself; everyone else's packets to those ports are
 * dropped (the client sees a timeout). Everything lives in one nftables table
 * of our own, `inet crawl_lab`, so the step never reads, changes or flushes
 * anybody else's rules (ufw, Docker, a distro's nftables.conf). Note that nftables
 * runs every base chain: our `accept` cannot open a port another table drops.
 */

export const FIREWALL_TABLE = 'crawl_lab';

export interface FirewallOptions {
  /** The lab network (lab.yaml network.cidr), the only source admitted besides loopback. */
  cidr: string;
  /** TCP ports to guard on the master. */
  ports: readonly number[];
  /**
   * More IPv4 sources admitted: the address this host's forwarded connections
   * come from (qemu's user-mode NAT, Provider.hostSource), as VirtualBox's
   * host-only address is inside the lab network.
   */
  alsoFrom?: readonly string[];
  /**
   * Load the table again at every boot (machines with systemd: VMs). `nft -f`
   * alone lives in the kernel only: after a reboot (lab:down, lab:up) Redis
   * and MongoDB would answer anyone until lab:up ran the step again.
   */
  persist?: boolean;
}

/** Where a persisted table lives, and the unit that loads it at boot (before the network and Redis). */
export const FIREWALL_FILE = '/etc/crawl-lab/firewall.nft';
export const FIREWALL_UNIT = 'crawl-lab-firewall.service';
export const FIREWALL_UNIT_TEXT = `[Unit]
Description=crawl-lab: the lab's nftables table (Redis and MongoDB from the lab network only)
DefaultDependencies=no
Wants=network-pre.target
Before=network-pre.target shutdown.target redis-server.service
Conflicts=shutdown.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/sbin/nft -f ${FIREWALL_FILE}

[Install]
WantedBy=sysinit.target
`;

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

function checkOptions(o: FirewallOptions): void {
  const m = CIDR.exec(o.cidr);
  if (!m || m.slice(1, 5).some((x) => Number(x) > 255) || Number(m[5]) > 32) {
    throw new CrawlError('CRAWL_E_LAB_CONFIG', `firewall: network "${o.cidr}" is not an IPv4 CIDR`, {
      hint: "set network.cidr in lab.yaml to a network such as '192.168.56.0/24'",
    });
  }
  for (const ip of o.alsoFrom ?? []) {
    const a = IPV4.exec(ip);
    if (!a || a.slice(1).some((x) => Number(x) > 255))
      throw new CrawlError('CRAWL_E_LAB_CONFIG', `firewall: source "${ip}" is not an IPv4 address`, {
        hint: 'the provider gives its host address as a dotted IPv4 address such as 10.0.2.2',
      });
  }
  if (o.ports.length === 0 || o.ports.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) {
    throw new CrawlError(
      'CRAWL_E_LAB_CONFIG',
      `firewall: ports ${JSON.stringify(o.ports)} are not TCP ports`,
      {
        hint: 'redis.port and mongodb.port must be whole numbers from 1 to 65535',
      },
    );
  }
}

/**
 * The table, as `nft -f` input. Its comment carries a hash of the rules, so
 * "is the wanted table loaded?" is one look at `nft list table`, whatever way
 * nft chooses to print the rules back.
 */
export function firewallTable(o: FirewallOptions): string {
  checkOptions(o);
  const ports = [...new Set(o.ports)].sort((a, b) => a - b).join(', ');
  const chain = [
    'type filter hook input priority filter; policy accept;',
    // the machine's own connections, even to its lab address, arrive on lo
    'iifname "lo" accept',
    `ip saddr ${o.cidr} tcp dport { ${ports} } accept`,
    ...(o.alsoFrom ?? []).map((ip) => `ip saddr ${ip} tcp dport { ${ports} } accept`),
    `tcp dport { ${ports} } drop`,
  ];
  const hash = createHash('sha256').update(chain.join('\n')).digest('hex').slice(0, 16);
  return [
    `table inet ${FIREWALL_TABLE} {`,
    `\tcomment "crawl-lab ${hash}: tcp ${ports} only from ${[o.cidr, ...(o.alsoFrom ?? [])].join(', ')} and loopback"`,
    '\tchain input {',
    ...chain.map((l) => `\t\t${l}`),
    '\t}',
    '}',
    '',
  ].join('\n');
}

/** One nft transaction: create-if-missing, delete, add. Atomic: there is never a moment without the table. */
export function firewallScript(o: FirewallOptions): string {
  return `table inet ${FIREWALL_TABLE}\ndelete table inet ${FIREWALL_TABLE}\n${firewallTable(o)}`;
}

function markerOf(table: string): string {
  return /comment "(crawl-lab [0-9a-f]{16})/.exec(table)?.[1] ?? '';
}

async function isPersisted(t: Transport, o: FirewallOptions): Promise<boolean> {
  const file = await t.run(['cat', FIREWALL_FILE], { nothrow: true });
  const unit = await t.run(['cat', `/etc/systemd/system/${FIREWALL_UNIT}`], { nothrow: true });
  const enabled = await t.run(['systemctl', 'is-enabled', FIREWALL_UNIT], { nothrow: true });
  return (
    file.stdout === firewallScript(o) &&
    unit.stdout === FIREWALL_UNIT_TEXT &&
    enabled.stdout.trim() === 'enabled'
  );
}

async function persist(t: Transport, o: FirewallOptions): Promise<void> {
  await t.run(['mkdir', '-p', '/etc/crawl-lab']);
  await t.run(['tee', FIREWALL_FILE], { input: firewallScript(o) });
  await t.run(['tee', `/etc/systemd/system/${FIREWALL_UNIT}`], { input: FIREWALL_UNIT_TEXT });
  await t.run(['systemctl', 'daemon-reload'], { timeoutMs: 60_000 });
  await t.run(['systemctl', 'enable', '--quiet', FIREWALL_UNIT], { timeoutMs: 60_000 });
}

/** Applies on the master: it is the machine with Redis and MongoDB. */
export function firewall(o: FirewallOptions): Step {
  const wanted = firewallTable(o);
  return {
    id: 'firewall',
    appliesTo: (n: LabNode) => n.role === 'master',
    async run({ transport, log }) {
      const installed = await aptInstall(transport, ['nftables']);
      const now = await transport.run(['nft', 'list', 'table', 'inet', FIREWALL_TABLE], { nothrow: true });
      const live = now.exitCode === 0 && markerOf(now.stdout) === markerOf(wanted);
      const persisted = !o.persist || (await isPersisted(transport, o));
      if (installed === 'ok' && live && persisted) return { status: 'ok' };
      if (!persisted) await persist(transport, o);
      if (installed === 'ok' && live) {
        log(`loaded at every boot too (${FIREWALL_UNIT})`);
        return { status: 'changed' };
      }
      await transport.run(['nft', '-f', '-'], { input: firewallScript(o) });
      const check = await transport.run(['nft', 'list', 'table', 'inet', FIREWALL_TABLE], { nothrow: true });
      if (markerOf(check.stdout) !== markerOf(wanted)) {
        throw new CrawlError('CRAWL_E_PROVISION', `the nftables table inet ${FIREWALL_TABLE} did not load`, {
          hint: `run \`nft list ruleset\` on ${transport.node.name} (npm run lab:ssh) and look for errors`,
        });
      }
      log(
        `tcp ${[...o.ports].join(', ')}: only ${[o.cidr, ...(o.alsoFrom ?? [])].join(', ')} and loopback${o.persist ? `, at every boot too (${FIREWALL_UNIT})` : ''}`,
      );
      return { status: 'changed' };
    },
  };
}

/**
 * `firewall.mode: "off"`: the lab's table goes, with its boot-time unit and
 * file where an earlier lab:up persisted them. Only our own table is touched;
 * a master without nft (never had the table) is left as it is.
 */
export function firewallOff(): Step {
  return {
    id: 'firewall-off',
    appliesTo: (n: LabNode) => n.role === 'master',
    async run({ transport, log }) {
      const live = await transport.run(['nft', 'list', 'table', 'inet', FIREWALL_TABLE], { nothrow: true });
      const file = await transport.run(['test', '-e', FIREWALL_FILE], { nothrow: true });
      const unit = `/etc/systemd/system/${FIREWALL_UNIT}`;
      const unitThere = await transport.run(['test', '-e', unit], { nothrow: true });
      if (live.exitCode !== 0 && file.exitCode !== 0 && unitThere.exitCode !== 0) return { status: 'ok' };
      if (unitThere.exitCode === 0) {
        await transport.run(['systemctl', 'disable', '--quiet', FIREWALL_UNIT], {
          nothrow: true,
          timeoutMs: 60_000,
        });
        await transport.run(['rm', '-f', unit]);
        await transport.run(['systemctl', 'daemon-reload'], { nothrow: true, timeoutMs: 60_000 });
      }
      if (file.exitCode === 0) await transport.run(['rm', '-f', FIREWALL_FILE]);
      if (live.exitCode === 0) await transport.run(['nft', 'delete', 'table', 'inet', FIREWALL_TABLE]);
      log(`firewall.mode is off: removed the nftables table inet ${FIREWALL_TABLE}`);
      return { status: 'changed' };
    },
  };
}
