import type { LabNode } from '../types.ts';

/** `auto` picks at `lab:up` time and says why (provision/providers/registry.ts AUTO_ORDER). */
export type ProviderChoice = 'auto' | 'vagrant' | 'qemu' | 'netns' | 'ssh' | 'local';
export const PROVIDER_CHOICES: readonly ProviderChoice[] = [
  'auto',
  'vagrant',
  'qemu',
  'netns',
  'ssh',
  'local',
];

/** qemu provider: 'auto' = KVM when a probe guest runs under it, else TCG. */
export type QemuAccel = 'auto' | 'kvm' | 'tcg';

/** vagrant-libvirt's domain type: 'kvm' (hardware) or 'qemu' (TCG, no KVM needed). */
export type LibvirtDriver = 'kvm' | 'qemu';

/** VMs' MongoDB: MongoDB's own packages, or the MongoDB-protocol server binary the stand-ins use (FerretDB). */
export type MongoServer = 'packages' | 'binary';

export type CrawlTarget = 'mini-tieba' | 'real-tieba';

/**
 * Whose workers lab:crawl runs: ours ('crawl-lab'), the article's Scrapy +
 * scrapy-redis (a comparison fixture, lab/scrapy-redis/), or both one after
 * the other, side by side (docs/scrapy-redis.md).
 */
export type CrawlEngine = 'crawl-lab' | 'scrapy-redis' | 'both';
export const CRAWL_ENGINES: readonly CrawlEngine[] = ['crawl-lab', 'scrapy-redis', 'both'];

export type FirewallMode = 'auto' | 'on' | 'off';

/** The lab description after defaults and validation (lab.yaml's snake_case keys in camelCase). */
export interface LabConfig {
  /** Where it was read from, for messages. */
  source: string;
  provider: ProviderChoice;
  /** Vagrant box and its pinned version (vagrant provider only). */
  box: string;
  boxVersion: string;
  /** The /24 all nodes share (vagrant and netns). */
  network: { cidr: string };
  nodes: LabNode[];
  redis: {
    port: number;
    /** 'auto' = generate once and keep it in the lab's state folder; else the literal password. */
    password: string;
    /** true = the article's open Redis (no password), with a printed warning. */
    articleExact: boolean;
    /**
     * true = Redis speaks TLS only (no plaintext port), with a certificate from
     * a CA lab:up makes once in the lab's state folder; every client uses
     * rediss:// and that CA. Never with articleExact.
     */
    tls: boolean;
  };
  mongodb: {
    enabled: boolean;
    port: number;
    database: string;
    collection: string;
    user: string;
    password: string;
    /** On VMs: 'packages' (mongodb-org from MongoDB's apt repository) or 'binary' (this host's FerretDB, uploaded). */
    server: MongoServer;
  };
  /** qemu provider only. */
  qemu: {
    accel: QemuAccel;
    /** Seconds each VM may take from start to answering ssh. */
    bootTimeoutS: number;
  };
  /**
   * vagrant provider with libvirt only (the Vagrantfile reads it): 'kvm' on a
   * machine with working KVM, 'qemu' (software emulation, TCG) inside VMs
   * without nested virtualisation.
   */
  libvirt: { driver: LibvirtDriver };
  crawl: {
    target: CrawlTarget;
    /** Whose workers crawl (scrapy-redis: lab:up adds a Python venv on every node). */
    engine: CrawlEngine;
    listPages: number;
    workersPerNode: number;
    concurrentRequests: number;
    /** Seconds without a heartbeat before a worker's leased requests go back to the queue (crawler leaseTimeout). */
    leaseTimeoutS: number;
    allPages: boolean;
  };
  site: { port: number; seed: number; latencyMs: number };
  /** Empty = the distribution's / npm's / nodejs.org's / pip's default. */
  mirrors: { apt: string; npm: string; node: string; pypi: string };
  /**
   * The master's nftables rule admitting Redis and MongoDB only from the lab
   * network: 'auto' = on VMs only; 'on' = also on netns stand-ins; 'off' = never.
   * Never on the local provider (it would be this machine's own firewall).
   */
  firewall: { mode: FirewallMode };
  /**
   * This host: `installPackages` lets lab:up install the chosen provider's
   * missing packages with apt when it runs as root (provision/host-setup/).
   */
  host: { installPackages: boolean };
}

/** Values callers may force over the file (command-line flags); same keys and rules as the file. */
export type LabConfigOverrides = Record<string, unknown>;
