import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../crawler/errors.ts';
import { chooseProvider as chooseLabProvider } from './choose-provider.ts';
import { type LabConfig, labNodes, loadLabConfig } from './config/index.ts';
import { NODE_LTS_VERSION } from './node-dist.ts';
import { NetnsProvider } from './providers/netns/provider.ts';
import { runSteps, type StepReport } from './run-steps.ts';
import { type LabSecrets, loadSecrets, STATE_DIR } from './state.ts';
import { deployCrawler, miniSite, nodeRuntime } from './steps/crawler.ts';
import { firewall } from './steps/firewall.ts';
import { localStepVariants } from './steps/local-steps.ts';
import { findMongoServerBinary, mongodbStep } from './steps/mongodb.ts';
import { nodeDownload } from './steps/node-download.ts';
import { redisConfigure, redisInstall, redisReachable, redisToolsInstall } from './steps/redis.ts';
import type { LabNode, MachineKind, Provider, ProviderInfo, Step } from './types.ts';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DIST = join(ROOT, 'dist');
/** Debian root filesystems are built once here, outside the repo. */
export const ROOTFS_CACHE = process.env['CRAWL_LAB_CACHE'] ?? '/var/cache/crawl-lab';

export interface Lab {
  config: LabConfig;
  nodes: LabNode[];
  provider: Provider;
  /** Why this provider was chosen. */
  choice: ProviderInfo;
  secrets: LabSecrets;
  log: (line: string) => void;
}

export interface OpenLabOptions {
  configPath?: string;
  log?: (line: string) => void;
  /** Names the bridge and namespaces (clab-<id>-...); tests use their own. */
  labId?: string;
  /** The state folder (secrets, node filesystems); default .lab/ in the repo. */
  stateDir?: string;
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

/**
 * `provider: auto`: vagrant if it and a hypervisor are usable, else netns, else
 * local; says why (provision/choose-provider.ts). openLab derives `lab.nodes`
 * from `config.nodes` after this call, so the addresses the chosen provider
 * gives the nodes (local: loopback instead of lab.yaml's) are put there.
 */
async function chooseProvider(
  config: LabConfig,
  o: Required<Pick<OpenLabOptions, 'labId' | 'stateDir'>>,
  log: (line: string) => void,
): Promise<{ provider: Provider; choice: ProviderInfo }> {
  const chosen = await chooseLabProvider(config, {
    stateDir: o.stateDir,
    netns: () => netns(config, o, log),
    log,
  });
  config.nodes = chosen.nodes;
  return { provider: chosen.provider, choice: chosen.choice };
}

export async function openLab(options: OpenLabOptions = {}): Promise<Lab> {
  const log = options.log ?? ((line: string) => console.log(line));
  // the environment lets tests, lessons and a second lab on one machine pick their own (docs/lab-config.md)
  const env = process.env;
  const where = {
    labId: options.labId ?? env['LAB_ID'] ?? 'lab',
    stateDir: options.stateDir ?? env['LAB_STATE'] ?? STATE_DIR,
  };
  const config = loadLabConfig(options.configPath);
  const { provider, choice } = await chooseProvider(config, where, log);
  return {
    config,
    nodes: labNodes(config),
    provider,
    choice,
    secrets: loadSecrets(config, where.stateDir),
    log,
  };
}

/** The article's steps, in order, then ours. */
export function labSteps(lab: Lab): Step[] {
  const { config, secrets } = lab;
  const redis = {
    port: config.redis.port,
    password: config.redis.articleExact ? undefined : secrets.redisPassword,
    articleExact: config.redis.articleExact,
  };
  // VMs (vagrant, ssh) are real machines with systemd; netns nodes are stand-ins sharing this host's platform
  const machine: MachineKind =
    lab.provider.name === 'local' ? 'local' : lab.provider.name === 'netns' ? 'standin' : 'vm';
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
      }),
    );
  }
  // local: the same steps, with no-root variants for the ones that use apt or /etc
  if (lab.provider.name === 'local') return localStepVariants(steps, redis, process.version);
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
