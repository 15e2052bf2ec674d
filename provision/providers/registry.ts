import { join } from 'node:path';
import type { LabConfig } from '../config/index.ts';
import type { HostEnv } from '../host-probe.ts';
import { REPO_ROOT } from '../lab-env.ts';
import type { Provider, ProviderInfo, ProviderName } from '../types.ts';
import { LocalProvider } from './local.ts';
import { NetnsProvider } from './netns/provider.ts';
import { QemuProvider } from './qemu/provider.ts';
import { SshProvider } from './ssh.ts';
import type { HostFacts } from './vagrant/hypervisors.ts';
import { VagrantProvider } from './vagrant/provider.ts';

/**
 * The one list of providers: how each is made from the lab's settings, and the
 * order `provider: auto` tries them in. `provider: auto`, `provider: <name>`,
 * lab:doctor and lab:up --dry-run all make and detect providers here, so they
 * can never disagree about what a provider can do on this machine.
 */
export interface ProviderContext {
  config: LabConfig;
  /** Names what the lab creates (bridge, namespaces, VMs). */
  labId: string;
  /** The lab's state folder; each provider keeps its own below it (<state>/<name>). */
  stateDir: string;
  /** Built once, shared by labs: root filesystems, images (lab-env.ts cacheDir). */
  cacheDir: string;
  /** Progress lines of what the provider runs. */
  log?: (line: string) => void;
  /** Host environment for tool lookups (PATH); tests stage fake tools. @default process.env */
  env?: HostEnv;
  /** Platform and CPU (tests stage other hosts). @default this machine */
  host?: HostFacts;
  /** The folder holding the Vagrantfile. @default the repository root */
  root?: string;
  /** lab.yaml's path, for the Vagrantfile (LAB_CONFIG of every vagrant call). */
  configPath?: string;
  /**
   * lab:up only: 'install' installs the host packages a provider needs (root +
   * apt, choose-provider.ts), 'check' refuses with the command to run when one
   * is missing. Unset (every other command): packages are not looked at.
   */
  packages?: 'install' | 'check';
}

type Factory = (ctx: ProviderContext) => Provider;

/** The Debian suite stand-ins and VM images are built from. */
export const DEBIAN_SUITE = 'bookworm';
export const DEBIAN_MIRROR = 'http://deb.debian.org/debian';

const FACTORIES: Record<ProviderName, Factory> = {
  vagrant: (ctx) =>
    new VagrantProvider({
      stateDir: join(ctx.stateDir, 'vagrant'),
      root: ctx.root ?? REPO_ROOT,
      ...(ctx.configPath ? { configPath: ctx.configPath } : {}),
      ...(ctx.env ? { env: { ...ctx.env } } : {}),
      ...(ctx.host ? { host: ctx.host } : {}),
      ...(ctx.log ? { log: ctx.log } : {}),
    }),
  netns: (ctx) =>
    new NetnsProvider({
      labId: ctx.labId,
      stateDir: join(ctx.stateDir, 'netns'),
      rootfs: {
        cacheDir: ctx.cacheDir,
        mirror: ctx.config.mirrors.apt || DEBIAN_MIRROR,
        suite: DEBIAN_SUITE,
      },
      log: (line) => ctx.log?.(`  $ ${line}`),
      cacheDir: ctx.cacheDir,
    }),
  qemu: (ctx) =>
    new QemuProvider({
      labId: ctx.labId,
      stateDir: join(ctx.stateDir, 'qemu'),
      cacheDir: ctx.cacheDir,
      mirror: ctx.config.mirrors.apt || DEBIAN_MIRROR,
      suite: DEBIAN_SUITE,
      prefix: Number(ctx.config.network.cidr.split('/')[1]),
      accel: ctx.config.qemu.accel,
      bootTimeoutS: ctx.config.qemu.bootTimeoutS,
      masterPorts: [
        ctx.config.redis.port,
        ...(ctx.config.mongodb.enabled ? [ctx.config.mongodb.port] : []),
        ...(ctx.config.crawl.target === 'mini-tieba' ? [ctx.config.site.port] : []),
      ],
      ...(ctx.env ? { env: { ...ctx.env } } : {}),
      ...(ctx.log ? { log: ctx.log } : {}),
    }),
  ssh: (ctx) =>
    new SshProvider({
      stateDir: join(ctx.stateDir, 'ssh'),
      ...(ctx.env ? { env: { ...ctx.env } } : {}),
      ...(ctx.log ? { log: ctx.log } : {}),
    }),
  local: (ctx) =>
    new LocalProvider({ stateDir: join(ctx.stateDir, 'local'), ...(ctx.log ? { log: ctx.log } : {}) }),
};

/**
 * `provider: auto`'s candidates, in order. auto takes the first usable one of
 * tier 'first' (vagrant, qemu with KVM, netns), else of tier 'slow' (qemu under
 * TCG: real VMs, minutes per boot, only where netns is impossible), else local
 * (tier 'last', always works): see pickAuto. ssh is never automatic (its
 * machines must be listed in lab.yaml).
 */
export const AUTO_ORDER: readonly ProviderName[] = ['vagrant', 'qemu', 'netns', 'local'];

const TIERS = ['first', 'slow', 'last'] as const;

/** The candidate `auto` picks: the first usable one of the best tier (ProviderInfo.tier, default 'first'). */
export function pickAuto<T extends { info: ProviderInfo }>(detected: readonly T[]): T | undefined {
  for (const tier of TIERS) {
    const found = detected.find((d) => d.info.usable && (d.info.tier ?? 'first') === tier);
    if (found) return found;
  }
  return undefined;
}

export function makeProvider(name: ProviderName, ctx: ProviderContext): Provider {
  return FACTORIES[name](ctx);
}

export interface Detected {
  provider: Provider;
  info: ProviderInfo;
}

/** Make and detect each named provider, in order (auto's candidates by default). */
export async function detectProviders(
  ctx: ProviderContext,
  names: readonly ProviderName[] = AUTO_ORDER,
): Promise<Detected[]> {
  const out: Detected[] = [];
  for (const name of names) {
    const provider = makeProvider(name, ctx);
    out.push({ provider, info: await provider.detect() });
  }
  return out;
}
