import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../crawler/errors.ts';
import { chooseProvider as chooseLabProvider } from './choose-provider.ts';
import { DEFAULT_LAB_CONFIG_PATH, LAB_CONFIG_ENV, type LabConfig, loadLabConfig } from './config/index.ts';
import { layoutOf } from './layout.ts';
import { NODE_LTS_VERSION } from './node-dist.ts';
import { NetnsProvider } from './providers/netns/provider.ts';
import { runSteps, type StepReport } from './run-steps.ts';
import { type LabSecrets, loadSecrets, readLabMode, STATE_DIR, writeLabMode } from './state.ts';
import { deployCrawler, miniSite, nodeRuntime } from './steps/crawler.ts';
import { firewall } from './steps/firewall.ts';
import { localStepVariants } from './steps/local-steps.ts';
import { findMongoServerBinary, mongodbStep } from './steps/mongodb.ts';
import { nodeDownload } from './steps/node-download.ts';
import { redisConfigure, redisInstall, redisReachable, redisToolsInstall } from './steps/redis.ts';
import { type ServiceManager, serviceManagerFor } from './steps/systemd.ts';
import type { LabNode, MachineKind, Provider, ProviderInfo, Step, Transport } from './types.ts';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DIST = join(ROOT, 'dist');
/** Debian root filesystems are built once here, outside the repo. */
export const ROOTFS_CACHE = process.env['CRAWL_LAB_CACHE'] ?? '/var/cache/crawl-lab';

export interface Lab {
  config: LabConfig;
  /** lab.yaml's nodes with the addresses they have on the chosen provider (local: loopback). */
  nodes: LabNode[];
  provider: Provider;
  /** Why this provider was chosen. */
  choice: ProviderInfo;
  /** What the machines are, for steps that differ (systemd or not, firewall, runtime). */
  machine: MachineKind;
  /** Names the netns bridge and namespaces (clab-<labId>-...). */
  labId: string;
  /** The lab's state folder (secrets, provider state). */
  stateDir: string;
  secrets: LabSecrets;
  log: (line: string) => void;
}

export interface OpenLabOptions {
  configPath?: string;
  log?: (line: string) => void;
  /** Names the bridge and namespaces (clab-<id>-...); tests use their own. @default $LAB_ID, else 'lab' */
  labId?: string;
  /** The state folder (secrets, node filesystems). @default $LAB_STATE, else .lab/ in the repo */
  stateDir?: string;
  /**
   * What the machines are when the provider cannot know: existing hosts over
   * ssh are taken for VMs (systemd, their own platform), but a stand-in
   * reached over ssh is a 'standin'. @default machineKindOf(provider)
   */
  machine?: MachineKind;
  /**
   * lab:up --article-exact (true) or plain lab:up (false): sets the lab's mode and
   * records it; other commands leave it undefined and follow the recorded mode.
   */
  articleExact?: boolean;
}

export function netns(
  config: LabConfig,
  o: Required<Pick<OpenLabOptions, 'labId' | 'stateDir'>>,
  log: (line: string) => void,
): NetnsProvider {
  return new NetnsProvider({
    labId: o.labId,
    stateDir: join(o.stateDir, 'netns'),
    rootfs: {
      cacheDir: ROOTFS_CACHE,
      mirror: config.mirrors.apt || 'http://deb.debian.org/debian',
      suite: 'bookworm',
    },
    log: (line) => log(`  $ ${line}`),
  });
}

/** VMs (vagrant, ssh) are real machines with systemd; netns nodes are stand-ins sharing this host's platform. */
export function machineKindOf(provider: ProviderInfo['name']): MachineKind {
  return provider === 'local' ? 'local' : provider === 'netns' ? 'standin' : 'vm';
}

/** Where the lab is: options, else the environment (docs/lab-config.md), else the defaults. */
export function labWhere(
  options: Pick<OpenLabOptions, 'labId' | 'stateDir'> = {},
  env: NodeJS.ProcessEnv = process.env,
): { labId: string; stateDir: string } {
  return {
    labId: options.labId ?? env['LAB_ID'] ?? 'lab',
    stateDir: options.stateDir ?? env['LAB_STATE'] ?? STATE_DIR,
  };
}

/**
 * Opens the lab lab.yaml describes on the provider it names (or `auto`: the
 * best one here, saying why; provision/choose-provider.ts). `lab.nodes` are
 * the addresses the nodes have on that provider; `config.nodes` stays as read.
 */
export async function openLab(options: OpenLabOptions = {}): Promise<Lab> {
  const log = options.log ?? ((line: string) => console.log(line));
  const where = labWhere(options);
  // the article's open Redis, when lab:up asked for it (and until a lab:up without it)
  if (options.articleExact !== undefined)
    writeLabMode({ articleExact: options.articleExact }, where.stateDir);
  const exact = options.articleExact ?? readLabMode(where.stateDir)?.articleExact;
  const config = loadLabConfig(options.configPath, exact ? { redis: { article_exact: true } } : {});
  const configPath = resolve(options.configPath ?? (process.env[LAB_CONFIG_ENV] || DEFAULT_LAB_CONFIG_PATH));
  const chosen = await chooseLabProvider(config, {
    stateDir: where.stateDir,
    netns: () => netns(config, where, log),
    log,
    root: ROOT,
    configPath,
  });
  return {
    config,
    nodes: chosen.nodes,
    provider: chosen.provider,
    choice: chosen.choice,
    machine: options.machine ?? machineKindOf(chosen.provider.name),
    ...where,
    secrets: loadSecrets(config, where.stateDir),
    log,
  };
}

/** The node's long-running programs: systemd units on VMs, supervised processes elsewhere, in the node's layout. */
export function servicesOf(lab: Pick<Lab, 'machine'>, transport: Transport): ServiceManager {
  return serviceManagerFor(transport, lab.machine, layoutOf(transport).services);
}

/** The article's steps, in order, then ours. */
export function labSteps(lab: Lab): Step[] {
  const { config, secrets } = lab;
  const redis = {
    port: config.redis.port,
    password: config.redis.articleExact ? undefined : secrets.redisPassword,
    articleExact: config.redis.articleExact,
  };
  const { machine } = lab;
  const fw = config.firewall.mode;
  const guarded = [config.redis.port, ...(config.mongodb.enabled ? [config.mongodb.port] : [])];
  const steps: Step[] = [
    redisInstall,
    redisConfigure(redis),
    redisToolsInstall,
    // before the reachability check, so the workers prove they get through it
    ...((fw === 'on' && machine !== 'local') || (fw === 'auto' && machine === 'vm')
      ? [firewall({ cidr: config.network.cidr, ports: guarded })]
      : []),
    redisReachable(redis),
    machine === 'vm'
      ? nodeDownload({ version: NODE_LTS_VERSION, mirror: config.mirrors.node })
      : nodeRuntime(process.execPath, process.version),
    deployCrawler(DIST),
  ];
  if (config.mongodb.enabled) {
    steps.push(
      mongodbStep({
        port: config.mongodb.port,
        database: config.mongodb.database,
        user: config.mongodb.user,
        password: secrets.mongoPassword,
        machine,
        serverBinary: findMongoServerBinary(),
      }),
    );
  }
  if (config.crawl.target === 'mini-tieba') {
    steps.push(
      miniSite({
        port: config.site.port,
        listPages: config.crawl.listPages,
        seed: config.site.seed,
        latencyMs: config.site.latencyMs,
        machine,
      }),
    );
  }
  // local: the same steps, with no-root variants for the ones that use apt or /etc
  // no root (local, rootless netns): the nodes use this host's filesystem, so private Redis etc., no apt
  if (lab.provider.name === 'local' || (lab.provider instanceof NetnsProvider && lab.provider.rootless))
    return localStepVariants(steps, redis, process.version);
  return steps;
}

export async function labUp(lab: Lab): Promise<StepReport[]> {
  await lab.provider.up(lab.nodes);
  return runSteps(labSteps(lab), lab.nodes, (n) => lab.provider.transport(n), lab.log);
}

export function masterOf(lab: Lab): LabNode {
  const master = lab.nodes.find((n) => n.role === 'master');
  if (!master)
    throw new ConfigError('CRAWL_E_LAB_CONFIG', 'the lab has no master node', {
      hint: 'give one node role: master',
    });
  return master;
}

/** The Redis URL workers and the host use; the password stays out of logs (redacted) and argv (env). */
export function redisUrlOf(lab: Lab): string {
  const master = masterOf(lab);
  const auth = lab.config.redis.articleExact ? '' : `:${lab.secrets.redisPassword}@`;
  return `redis://${auth}${master.ip}:${lab.config.redis.port}/0`;
}
