import type { LabConfig } from '../config/index.ts';
import type { HostEnv } from '../host-probe.ts';
import { cacheDir, REPO_ROOT } from '../lab-env.ts';
import { detectProviders, makeProvider } from '../providers/registry.ts';
import type { Provider, ProviderInfo } from '../types.ts';

/**
 * The provider a dry run plans for. Unlike openLab() it needs no root and
 * loads no secrets: a plan must print on any machine. When the provider is not
 * usable here the plan still prints and says why. Providers are made and
 * detected by the same registry openLab uses (providers/registry.ts).
 */
export interface PlanWhere {
  labId: string;
  stateDir: string;
  /** lab.yaml's path, which the Vagrantfile reads (LAB_CONFIG in the vagrant commands). */
  configPath?: string;
  /** Host environment for tool lookups (PATH). @default process.env */
  env?: HostEnv;
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
  const ctx = {
    config,
    labId: where.labId,
    stateDir: where.stateDir,
    cacheDir: cacheDir(),
    root: REPO_ROOT,
    ...(where.configPath ? { configPath: where.configPath } : {}),
    ...(where.env ? { env: where.env } : {}),
  };
  if (config.provider !== 'auto') {
    const [{ provider, info }] = (await detectProviders(ctx, [config.provider])) as [
      { provider: Provider; info: ProviderInfo },
    ];
    return { provider, choice: { ...info, why: describe('chosen in lab.yaml', info) } };
  }
  // auto plans VMs where Vagrant works, else the stand-ins' full plan (as root: the Debian root filesystems)
  const [vagrant] = await detectProviders(ctx, ['vagrant']);
  if (vagrant?.info.usable)
    return { provider: vagrant.provider, choice: { ...vagrant.info, why: describe('auto', vagrant.info) } };
  const provider = makeProvider('netns', ctx);
  const info = await provider.detect();
  return { provider, choice: { ...info, why: describe('auto: no hypervisor for vagrant here', info) } };
}
