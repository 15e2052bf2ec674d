import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../crawler/errors.ts';
import { type LabConfig, labNodes } from './config/index.ts';
import type { HostEnv } from './doctor/host.ts';
import { detectVagrant, type HostFacts, THIS_HOST } from './doctor/hypervisor.ts';
import { LocalProvider } from './providers/local.ts';
import { SshProvider } from './providers/ssh.ts';
import { detectVagrant as vagrantHypervisor } from './providers/vagrant/detect.ts';
import { VagrantProvider } from './providers/vagrant.ts';
import { ProviderError } from './transports/errors.ts';
import type { LabNode, Provider, ProviderInfo } from './types.ts';

/**
 * Which provider brings the lab up. lab.yaml's `provider` names one, or
 * `auto` tries, in order: vagrant (Vagrant + a usable hypervisor), netns
 * (Linux + iproute2/util-linux + root, or without root unprivileged user
 * namespaces: the rootless variant, provision/providers/netns/rootless.ts),
 * local (always). Every candidate is
 * detected and reported with its reason, so the learner sees why the lab
 * runs where it runs.
 */

export interface ChooseOptions {
  /** The lab's state folder; providers keep theirs below it. */
  stateDir: string;
  /** Makes the netns provider (lab.ts owns its root-filesystem settings). */
  netns: () => Provider;
  /** One line per candidate (auto) or the chosen one. */
  log?: (line: string) => void;
  /** Host environment for tool lookups (PATH); tests give fake tools. */
  env?: HostEnv;
  host?: HostFacts;
  /** The folder holding the Vagrantfile. @default the repository root */
  root?: string;
  /** lab.yaml's path, for the Vagrantfile (LAB_CONFIG of every vagrant call); default: the Vagrantfile's own. */
  configPath?: string;
}

/** The repository root: the Vagrantfile lives there. */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface ProviderChoiceResult {
  provider: Provider;
  choice: ProviderInfo;
  /** Every candidate that was detected, in order, with why it is (not) usable. */
  candidates: ProviderInfo[];
  /** lab.yaml's nodes with the addresses they have on this provider (local: loopback). */
  nodes: LabNode[];
}

type Factory = (config: LabConfig, o: ChooseOptions) => Provider | Promise<Provider>;

/** Providers with their own module; netns and local are made below (netns's root-filesystem settings live in lab.ts). */
export const PLUGGED_PROVIDERS: Partial<Record<'vagrant' | 'ssh', Factory>> = {
  ssh: (_config, o) => sshProvider(o),
  vagrant: async (_config, o) => {
    // the --provider value for `vagrant up`: the hypervisor found here (VirtualBox, libvirt, ...)
    const found = await vagrantHypervisor({ ...(o.env ?? process.env) });
    return new VagrantProvider({
      stateDir: join(o.stateDir, 'vagrant'),
      root: o.root ?? REPO_ROOT,
      ...(o.configPath ? { configPath: o.configPath } : {}),
      ...(found.hypervisor ? { hypervisor: found.hypervisor } : {}),
      ...(o.log ? { log: o.log } : {}),
    });
  },
};

export function sshProvider(o: Pick<ChooseOptions, 'stateDir' | 'log' | 'env'>): SshProvider {
  return new SshProvider({
    stateDir: join(o.stateDir, 'ssh'),
    ...(o.env ? { env: { ...o.env } } : {}),
    ...(o.log ? { log: o.log } : {}),
  });
}

function notWired(name: 'vagrant' | 'ssh', why: string): ProviderError {
  return new ProviderError(`provider "${name}" is not wired into this version of the lab yet (${why})`, {
    hint: 'set provider: netns (Linux: root, or rootless with user namespaces) or provider: local in lab.yaml meanwhile; npm run lab:doctor shows what each needs',
  });
}

export function localProvider(o: Pick<ChooseOptions, 'stateDir' | 'log'>): LocalProvider {
  return new LocalProvider({ stateDir: join(o.stateDir, 'local'), ...(o.log ? { log: o.log } : {}) });
}

/** Detect every candidate `auto` considers, in its order (also used by lab:doctor). */
export async function detectCandidates(o: ChooseOptions): Promise<ProviderInfo[]> {
  const vagrant = await detectVagrant(o.env, o.host ?? THIS_HOST);
  const netns = await o.netns().detect();
  const local = await localProvider(o).detect();
  return [{ name: 'vagrant', usable: vagrant.usable, why: vagrant.why }, netns, local];
}

async function build(name: ProviderInfo['name'], config: LabConfig, o: ChooseOptions, info: ProviderInfo) {
  if (name === 'netns') return o.netns();
  if (name === 'local') return localProvider(o);
  const factory = PLUGGED_PROVIDERS[name];
  if (!factory) throw notWired(name, info.why);
  return factory(config, o);
}

export async function chooseProvider(config: LabConfig, o: ChooseOptions): Promise<ProviderChoiceResult> {
  const log = o.log ?? (() => {});
  let candidates: ProviderInfo[];
  let choice: ProviderInfo;
  let detected: ProviderInfo;
  if (config.provider === 'auto') {
    candidates = await detectCandidates(o);
    const picked = candidates.find((c) => c.usable)!; // local is always usable
    for (const c of candidates)
      log(
        `  ${c.name.padEnd(8)} ${c.usable ? 'usable ' : 'no     '} ${c.why}${c === picked ? '  <- picked' : ''}`,
      );
    const each = candidates.map(
      (c) => `${c.name}: ${c === picked ? 'picked' : c.usable ? 'usable' : 'no'}, ${c.why}`,
    );
    detected = picked;
    choice = { ...picked, why: `auto; ${each.join('; ')}` };
  } else {
    const name = config.provider;
    const info =
      name === 'vagrant'
        ? await detectVagrant(o.env, o.host ?? THIS_HOST).then((v) => ({
            name,
            usable: v.usable,
            why: v.why,
          }))
        : name === 'netns'
          ? await o.netns().detect()
          : name === 'local'
            ? await localProvider(o).detect()
            : await sshProvider(o).detect();
    candidates = [info];
    if (!info.usable) {
      throw new ConfigError(
        'CRAWL_E_LAB_CONFIG',
        `provider: ${name} (set in ${config.source}) cannot run here: ${info.why}`,
        {
          hint: 'fix what is missing (npm run lab:doctor explains each check), or set provider: auto to use the best one available',
        },
      );
    }
    detected = info;
    choice = { ...info, why: `chosen in lab.yaml; ${info.why}` };
  }
  const provider = await build(choice.name, config, o, detected);
  // local: lab.yaml's addresses belong to VMs that do not exist here; its nodes get loopback ones
  const nodes =
    provider instanceof LocalProvider ? await provider.localize(labNodes(config)) : labNodes(config);
  return { provider, choice, candidates, nodes };
}
