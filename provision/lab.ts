import { ConfigError } from '../common/errors.ts';
import { suggest } from '../common/suggest.ts';
import { chooseProvider } from './choose-provider.ts';
import { type LabConfig, type LabConfigOverrides, loadLabConfig } from './config/index.ts';
import { ensureHostPackages } from './host-setup/packages.ts';
import { type LabEnv, labEnv, REPO_ROOT } from './lab-env.ts';
import { layoutOf } from './layout.ts';
import { NODE_LTS_VERSION } from './node-dist.ts';
import { LAB_SPIDER, REDIS_CRAWLER_USER } from './redis-acl.ts';
import { ensureLabTls, labTlsFiles, OPENSSL_NEED, readLabTls } from './redis-tls.ts';
import { runSteps, type StepReport } from './run-steps.ts';
import { type LabSecrets, loadSecrets, readLabMode, writeLabMode } from './state.ts';
import { deployCrawler, miniSite, nodeRuntime } from './steps/crawler.ts';
import { firewall, firewallOff } from './steps/firewall.ts';
import { localStepVariants } from './steps/local-steps.ts';
import { findMongoServerBinary, mongodbStep } from './steps/mongodb.ts';
import { nodeDownload } from './steps/node-download.ts';
import { redisConfigure, redisInstall, redisReachable, redisToolsInstall } from './steps/redis.ts';
import { type LabTlsSource, redisTlsCa } from './steps/redis-tls.ts';
import { scrapySpider, scrapyVenv } from './steps/scrapy-venv.ts';
import { type ServiceManager, serviceManagerFor } from './steps/systemd.ts';
import type { LabNode, MachineKind, Provider, ProviderInfo, Step, Transport } from './types.ts';

/** The bundled crawler and site (npm run build) that lab:up deploys to every node. */
export const DIST = `${REPO_ROOT}dist`;

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

export interface OpenLabOptions extends Partial<LabEnv> {
  log?: (line: string) => void;
  /** Values forced over lab.yaml (its snake_case keys, validated the same way): demo and benchmarks. */
  overrides?: LabConfigOverrides;
  /**
   * What the machines are when the provider cannot know: existing hosts over
   * ssh are taken for VMs (systemd, their own platform), but a stand-in
   * reached over ssh is a 'standin'. @default provider.machine
   */
  machine?: MachineKind;
  /**
   * lab:up --article-exact (true) or plain lab:up (false): sets the lab's mode and
   * records it; other commands leave it undefined and follow the recorded mode.
   */
  articleExact?: boolean;
  /**
   * lab:up: install the chosen provider's missing host packages (root + apt,
   * each named), unless lab.yaml's host.install_packages is false; 'check' only
   * refuses with the command to run. Other commands leave packages alone.
   */
  packages?: 'install' | 'check';
}

/**
 * Opens the lab lab.yaml describes on the provider it names (or `auto`: the
 * best one here, saying why; provision/choose-provider.ts). `lab.nodes` are
 * the addresses the nodes have on that provider; `config.nodes` stays as read.
 * Where the lab is (LAB_CONFIG, LAB_ID, LAB_STATE, CRAWL_LAB_CACHE) comes from
 * the options, else the environment (lab-env.ts).
 */
export async function openLab(options: OpenLabOptions = {}): Promise<Lab> {
  const log = options.log ?? ((line: string) => console.log(line));
  const where = labEnv(options);
  // the article's open Redis, when lab:up asked for it (and until a lab:up without it)
  if (options.articleExact !== undefined)
    writeLabMode({ articleExact: options.articleExact }, where.stateDir);
  const exact = options.articleExact ?? readLabMode(where.stateDir)?.articleExact;
  // the article's Redis has no TLS: --article-exact turns redis.tls off with everything else
  const overrides = {
    ...options.overrides,
    ...(exact ? { redis: { article_exact: true, tls: false } } : {}),
  };
  const config = loadLabConfig(where.configPath, overrides);
  const packages =
    options.packages === 'install' && !config.host.installPackages ? 'check' : options.packages;
  const chosen = await chooseProvider(config, {
    config,
    ...where,
    log,
    root: REPO_ROOT,
    ...(packages ? { packages } : {}),
  });
  // redis.tls: lab:up makes the lab CA with this host's openssl, installed like the provider's needs
  if (packages && config.redis.tls)
    await ensureHostPackages([OPENSSL_NEED], { install: packages === 'install', log: (l) => log(`  ${l}`) });
  return {
    config,
    nodes: chosen.nodes,
    provider: chosen.provider,
    choice: chosen.choice,
    machine: options.machine ?? chosen.provider.machine,
    labId: where.labId,
    stateDir: where.stateDir,
    secrets: loadSecrets(config, where.stateDir),
    log,
  };
}

/** The node's long-running programs: systemd units on VMs, supervised processes elsewhere, in the node's layout. */
export function servicesOf(lab: Pick<Lab, 'machine'>, transport: Transport): ServiceManager {
  return serviceManagerFor(transport, lab.machine, layoutOf(transport).services);
}

/**
 * The master's nftables table: on VMs and netns stand-ins unless
 * firewall.mode is "off", which removes the table an earlier lab:up loaded.
 * Never on this machine (local) or in a namespace without root (rootless).
 */
function firewallSteps(lab: Lab, ports: number[]): Step[] {
  const { machine, config } = lab;
  if (machine === 'local' || lab.provider.noRootSteps) return [];
  if (config.firewall.mode === 'off') return [firewallOff()];
  return [
    firewall({
      cidr: config.network.cidr,
      ports,
      ...(lab.provider.hostSource ? { alsoFrom: [lab.provider.hostSource] } : {}),
      persist: machine === 'vm',
    }),
  ];
}

/**
 * redis.tls: the lab CA and the master's certificate, made on first use (not by
 * --dry-run) in the lab's state folder, once per lab (../redis-tls.ts).
 */
function tlsSource(lab: Lab, planned?: LabTlsSource): LabTlsSource | undefined {
  if (!lab.config.redis.tls) return undefined;
  if (lab.provider.noRootSteps)
    throw new ConfigError(
      'CRAWL_E_LAB_CONFIG',
      `redis.tls: true needs root on the nodes, and this lab's provider (${lab.provider.name}) has none`,
      {
        hint: 'use provider: netns as root, qemu, vagrant or ssh for a TLS lab, or set redis.tls: false in lab.yaml',
      },
    );
  if (planned) return planned;
  let made: ReturnType<LabTlsSource> | undefined;
  return () => {
    made ??= ensureLabTls(lab.stateDir, lab.labId, [masterOf(lab).ip, '127.0.0.1']).then(readLabTls);
    return made;
  };
}

/**
 * The article's steps, in order, then ours. `planned.tls`: placeholder
 * certificates for lab:up --dry-run (which must make no CA and show no key).
 */
export function labSteps(lab: Lab, planned: { tls?: LabTlsSource } = {}): Step[] {
  const { config, secrets } = lab;
  const tls = tlsSource(lab, planned.tls);
  const redis = {
    port: config.redis.port,
    password: config.redis.articleExact ? undefined : secrets.redisPassword,
    articleExact: config.redis.articleExact,
    // Redis's security advice: listen on the lab address and loopback only (not [::], not link-local)
    bind: [masterOf(lab).ip, '127.0.0.1'],
    // Redis users: default off, the crawl's keys and commands only, provisioning as an admin
    acl: { adminPassword: secrets.redisAdminPassword, keys: [`${LAB_SPIDER}:*`] },
    // lab.yaml redis.tls: TLS only, certificates from the lab CA
    ...(tls ? { tls } : {}),
  };
  const { machine } = lab;
  const guarded = [config.redis.port, ...(config.mongodb.enabled ? [config.mongodb.port] : [])];
  const steps: Step[] = [
    redisInstall,
    redisConfigure(redis),
    redisToolsInstall,
    // every node's workers and redis-cli verify Redis with the lab CA
    ...(tls ? [redisTlsCa(tls)] : []),
    // before the reachability check, so the workers prove they get through it
    ...firewallSteps(lab, guarded),
    redisReachable(redis),
    machine === 'vm'
      ? nodeDownload({
          version: NODE_LTS_VERSION,
          mirror: config.mirrors.node,
          npmMirror: config.mirrors.npm,
        })
      : nodeRuntime(process.execPath, process.version),
    deployCrawler(DIST),
  ];
  const mongo = {
    port: config.mongodb.port,
    database: config.mongodb.database,
    user: config.mongodb.user,
    password: secrets.mongoPassword,
    machine,
    server: config.mongodb.server,
    serverBinary: findMongoServerBinary(),
  };
  if (config.mongodb.enabled) steps.push(mongodbStep(mongo));
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
  // the article's own workers beside ours (docs/scrapy-redis.md)
  if (config.crawl.engine !== 'crawl-lab')
    steps.push(
      scrapyVenv({ pypiMirror: config.mirrors.pypi, noRoot: lab.provider.noRootSteps }),
      scrapySpider(),
    );
  // no root (local, rootless netns): the nodes use this host's filesystem, so private Redis etc., no apt
  if (lab.provider.noRootSteps) return localStepVariants(steps, redis, process.version, mongo);
  return steps;
}

/** What `lab:up -- --only machines` names: the machines alone, no step. */
export const MACHINES_ONLY = 'machines';

/**
 * The steps `--only <id,...>` names, in lab:up's order; `machines` alone means
 * none. An id that is not one of this lab's steps is refused with the nearest.
 */
export function selectSteps(steps: readonly Step[], only: readonly string[]): Step[] {
  const ids = steps.map((s) => s.id);
  for (const id of only) {
    if (id === MACHINES_ONLY || ids.includes(id)) continue;
    const near = suggest(id, [MACHINES_ONLY, ...ids]);
    throw new ConfigError(
      'CRAWL_E_USAGE',
      `--only: this lab has no step "${id}"${near ? ` (did you mean ${near}?)` : ''}`,
      {
        hint: `steps, in order: ${[MACHINES_ONLY, ...ids].join(', ')} (npm run lab:up -- --dry-run shows what each runs)`,
      },
    );
  }
  return steps.filter((s) => only.includes(s.id));
}

/** Machines up, then every step, or only those `only` names (lab:up -- --only). */
export async function labUp(lab: Lab, only?: readonly string[]): Promise<StepReport[]> {
  const steps = only ? selectSteps(labSteps(lab), only) : labSteps(lab);
  await lab.provider.up(lab.nodes);
  return runSteps(steps, lab.nodes, (n) => lab.provider.transport(n), lab.log);
}

export function masterOf(lab: Pick<Lab, 'nodes'>): LabNode {
  const master = lab.nodes.find((n) => n.role === 'master');
  if (!master)
    throw new ConfigError('CRAWL_E_LAB_CONFIG', 'the lab has no master node', {
      hint: 'give one node role: master',
    });
  return master;
}

function redisUrl(lab: Lab, host: string, port: number): string {
  const auth = lab.config.redis.articleExact ? '' : `${REDIS_CRAWLER_USER}:${lab.secrets.redisPassword}@`;
  // redis.tls: clients speak TLS (verified with the lab CA: hostRedisCa, NODE_REDIS_CA on the nodes)
  return `${lab.config.redis.tls ? 'rediss' : 'redis'}://${auth}${host}:${port}/0`;
}

/**
 * The lab CA's certificate on this host, which clients here verify Redis
 * with when redis.tls is on (lab:up made it); undefined with plain Redis.
 */
export function hostRedisCa(lab: Pick<Lab, 'config' | 'stateDir'>): string | undefined {
  return lab.config.redis.tls ? labTlsFiles(lab.stateDir).caCert : undefined;
}

/** The Redis URL the workers use, on the lab network; the password stays out of logs (redacted) and argv (env). */
export function redisUrlOf(lab: Lab): string {
  return redisUrl(lab, masterOf(lab).ip, lab.config.redis.port);
}

/**
 * The Redis URL this host uses (lab:crawl's progress, the dashboard, lessons):
 * the master's address, or a port forwarded to loopback, as the provider says
 * after its network guard (Provider.hostEndpoint).
 */
export async function hostRedisUrl(lab: Lab): Promise<string> {
  const at = await lab.provider.hostEndpoint(masterOf(lab), lab.config.redis.port);
  return redisUrl(lab, at.host, at.port);
}

/** The mini-Tieba site's base URL from this host (same guard as hostRedisUrl). */
export async function hostSiteUrl(lab: Lab): Promise<string> {
  const at = await lab.provider.hostEndpoint(masterOf(lab), lab.config.site.port);
  return `http://${at.host}:${at.port}`;
}
