import { ConfigError } from '../../crawler/errors.ts';
import { localProvider } from '../choose-provider.ts';
import type { LabConfig } from '../config/index.ts';
import { netns } from '../lab.ts';
import type { Provider, ProviderInfo } from '../types.ts';

/**
 * The provider a dry run plans for. Unlike openLab() it needs no root and
 * loads no secrets: a plan must print on any machine. When the provider is not
 * usable here the plan still prints and says why.
 * Providers are made by the same factories openLab uses.
 */
export interface PlanWhere {
  labId: string;
  stateDir: string;
}

export async function planProvider(
  config: LabConfig,
  where: PlanWhere,
): Promise<{ provider: Provider; choice: ProviderInfo }> {
  const wanted = config.provider;
  if (wanted === 'vagrant' || wanted === 'ssh') {
    throw new ConfigError(
      'CRAWL_E_LAB_CONFIG',
      `provider "${wanted}" has no command plan yet in this version`,
      {
        hint: 'plan with provider: netns or local (set provider in lab.yaml, or LAB_CONFIG to another file)',
      },
    );
  }
  if (wanted === 'local') {
    const provider = localProvider({ stateDir: where.stateDir });
    return { provider, choice: await provider.detect() };
  }
  const provider = netns(config, where, () => {});
  const info = await provider.detect();
  const how = wanted === 'auto' ? 'auto: no hypervisor for vagrant here' : 'chosen in lab.yaml';
  const why = info.usable
    ? `${how}; ${info.why}`
    : `${how}; not usable here: ${info.why}; the plan is what it would run`;
  return { provider, choice: { name: 'netns', usable: info.usable, why } };
}
