import { join } from 'node:path';
import { localProvider, PLUGGED_PROVIDERS, REPO_ROOT } from '../choose-provider.ts';
import type { LabConfig } from '../config/index.ts';
import { netns } from '../lab.ts';
import { SshProvider } from '../providers/ssh.ts';
import { VagrantProvider } from '../providers/vagrant.ts';
import type { LabNode, Provider, ProviderInfo } from '../types.ts';

/**
 * The provider a dry run plans for. Unlike openLab() it needs no root and
 * loads no secrets: a plan must print on any machine. When the provider is not
 * usable here the plan still prints and says why.
 * Providers are made by the same factories openLab uses.
 */
export interface PlanWhere {
  labId: string;
  stateDir: string;
  /** lab.yaml's path, which the Vagrantfile reads (LAB_CONFIG in the vagrant commands). */
  configPath?: string;
}

/** SshProvider's plan names the file it writes in words: in a plan of bash lines that line is a comment. */
class SshPlanProvider extends SshProvider {
  override async plan(nodes: readonly LabNode[]): Promise<string[]> {
    return (await super.plan(nodes)).map((line) => (line.startsWith('write ') ? `# ${line}` : line));
  }
}

/** "chosen in lab.yaml; <why>", or what it would run when this machine cannot. */
function describe(how: string, info: ProviderInfo): string {
  return info.usable
    ? `${how}; ${info.why}`
    : `${how}; not usable here: ${info.why}; the plan is what it would run`;
}

export async function planProvider(
  config: LabConfig,
  where: PlanWhere,
): Promise<{ provider: Provider; choice: ProviderInfo }> {
  const wanted = config.provider;
  if (wanted === 'local') {
    const provider = localProvider({ stateDir: where.stateDir });
    return { provider, choice: await provider.detect() };
  }
  if (wanted === 'ssh') {
    const provider = new SshPlanProvider({ stateDir: join(where.stateDir, 'ssh') });
    const info = await provider.detect();
    return {
      provider,
      choice: { name: 'ssh', usable: info.usable, why: describe('chosen in lab.yaml', info) },
    };
  }
  if (wanted === 'vagrant') {
    const o = {
      stateDir: where.stateDir,
      netns: () => netns(config, where, () => {}),
      ...(where.configPath ? { configPath: where.configPath } : {}),
    };
    const made = await PLUGGED_PROVIDERS.vagrant?.(config, o);
    const provider = made ?? new VagrantProvider({ stateDir: `${where.stateDir}/vagrant`, root: REPO_ROOT });
    const info = await provider.detect();
    return {
      provider,
      choice: { name: 'vagrant', usable: info.usable, why: describe('chosen in lab.yaml', info) },
    };
  }
  const provider = netns(config, where, () => {});
  const info = await provider.detect();
  const how = wanted === 'auto' ? 'auto: no hypervisor for vagrant here' : 'chosen in lab.yaml';
  return { provider, choice: { name: 'netns', usable: info.usable, why: describe(how, info) } };
}
