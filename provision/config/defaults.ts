import { SETTINGS } from 'crawl-lab';
import { SITE_DEFAULTS } from '../../lab/site/index.ts';
import type { LabConfig } from './types.ts';

/**
 * THE one place for lab defaults: what you get for every key lab.yaml leaves
 * out. Crawler and site values come from their own defaults files so the lab
 * never disagrees with `npm run crawl` or `npm run site`.
 *
 * The Vagrantfile mirrors `box`, `boxVersion` and the per-node `memoryMb`/`cpus`
 * defaults (Ruby cannot import this file); test/provision/vagrantfile.test.ts
 * fails if the two drift.
 */

/** Applied to each node entry that leaves them out. */
export const NODE_DEFAULTS = Object.freeze({
  /** @default 1024 (MB) */
  memoryMb: 1024,
  /** @default 1 */
  cpus: 1,
  /** ssh provider: @default port 22 */
  sshPort: 22,
});

/** ssh and vagrant providers: how SshTransport holds its connections (provision/transports/ssh.ts). */
export const SSH_DEFAULTS = Object.freeze({
  /** Seconds an idle master connection stays open after the last command. @default 600 */
  controlPersistS: 600,
  /** Seconds to wait for the TCP connection and handshake. @default 10 */
  connectTimeoutS: 10,
});

/**
 * The largest lab.yaml the loader reads (bytes). A real one is a few hundred;
 * anything near this is the wrong file, refused before it is read. @default 1 MiB
 */
export const LAB_CONFIG_MAX_BYTES = 1024 * 1024;

/** Frozen deeply so nobody edits the defaults by accident through a loaded config. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

export const LAB_DEFAULTS: Readonly<Omit<LabConfig, 'source'>> = deepFreeze({
  /** @default 'auto' */
  provider: 'auto',
  /** Maintained box with amd64 and arm64 builds. @default 'bento/ubuntu-24.04' */
  box: 'bento/ubuntu-24.04',
  /** Pinned so every learner gets the same image (later releases dropped the libvirt build). @default '202508.03.0' */
  boxVersion: '202508.03.0',
  /** Inside VirtualBox's host-only range 192.168.56.0/21. @default '192.168.56.0/24' */
  network: { cidr: '192.168.56.0/24' },
  /** The article's three machines; the master also runs a worker. */
  nodes: [
    {
      name: 'master',
      role: 'master',
      ip: '192.168.56.10',
      memoryMb: NODE_DEFAULTS.memoryMb,
      cpus: NODE_DEFAULTS.cpus,
    },
    {
      name: 'worker1',
      role: 'worker',
      ip: '192.168.56.11',
      memoryMb: NODE_DEFAULTS.memoryMb,
      cpus: NODE_DEFAULTS.cpus,
    },
    {
      name: 'worker2',
      role: 'worker',
      ip: '192.168.56.12',
      memoryMb: NODE_DEFAULTS.memoryMb,
      cpus: NODE_DEFAULTS.cpus,
    },
  ],
  /** tls: @default false (plain TCP, as in the article; true: TLS with a lab CA made at lab:up) */
  redis: { port: 6379, password: 'auto', articleExact: false, tls: false },
  mongodb: {
    enabled: true,
    port: 27017,
    database: SETTINGS.mongoDatabase.default,
    collection: 'tieba',
    user: 'crawler',
    password: 'auto',
    /** @default 'packages' (MongoDB's official packages, what a learner's VM gets) */
    server: 'packages',
  },
  /** Real VMs under QEMU (provider: qemu); TCG boots take about a minute, so the timeout is generous. */
  qemu: { accel: 'auto', bootTimeoutS: 300 },
  /** vagrant + libvirt: @default 'kvm' (vagrant-libvirt's own default); mirrored in the Vagrantfile */
  libvirt: { driver: 'kvm' },
  crawl: {
    target: 'mini-tieba',
    /** @default 'crawl-lab' (ours; 'scrapy-redis' and 'both' add the article's workers, docs/scrapy-redis.md) */
    engine: 'crawl-lab',
    listPages: SITE_DEFAULTS.listPages,
    workersPerNode: 1,
    concurrentRequests: SETTINGS.concurrentRequests.default,
    leaseTimeoutS: SETTINGS.leaseTimeout.default,
    allPages: false,
  },
  site: { port: 8080, seed: SITE_DEFAULTS.seed, latencyMs: SITE_DEFAULTS.latencyMs },
  /** node: '' = https://nodejs.org/dist (provision/node-dist.ts NODE_DEFAULT_MIRROR); pypi: '' = pip's own index */
  mirrors: { apt: '', npm: '', node: '', pypi: '' },
  /** @default 'auto' (the firewall rule on VMs and netns stand-ins; never on local or rootless labs) */
  firewall: { mode: 'auto' },
  /** lab:up installs the chosen provider's host packages (root + apt), each named first */
  host: { installPackages: true },
});
