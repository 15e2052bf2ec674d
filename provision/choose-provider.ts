import { ConfigError } from '../common/errors.ts';
import { type LabConfig, labNodes } from './config/index.ts';
import { canInstallPackages, ensureHostPackages, missingNeeds } from './host-setup/packages.ts';
import {
  AUTO_ORDER,
  type Detected,
  detectProviders,
  type ProviderContext,
  pickAuto,
} from './providers/registry.ts';
import type { LabNode, Provider, ProviderInfo } from './types.ts';

/**
 * Which provider brings the lab up. lab.yaml's `provider` names one, or
 * `auto` tries, in order (providers/registry.ts AUTO_ORDER): vagrant (Vagrant
 * + a usable hypervisor), netns (Linux + iproute2/util-linux + root, or
 * without root unprivileged user namespaces: the rootless variant), local
 * (always). Every candidate is detected and reported with its reason, so the
 * learner sees why the lab runs where it runs.
 */

export interface ProviderChoiceResult {
  provider: Provider;
  choice: ProviderInfo;
  /** Every candidate that was detected, in order, with why it is (not) usable. */
  candidates: ProviderInfo[];
  /** lab.yaml's nodes with the addresses they have on this provider (local: loopback). */
  nodes: LabNode[];
}

export async function chooseProvider(config: LabConfig, ctx: ProviderContext): Promise<ProviderChoiceResult> {
  const log = ctx.log ?? (() => {});
  if (config.provider === 'auto') {
    const detected = await detectProviders(ctx, AUTO_ORDER);
    if (ctx.packages === 'install') await installForBetter(detected, ctx);
    const picked = pickAuto(detected) ?? detected.at(-1)!; // local is always usable
    if (ctx.packages) await ensureHostPackages(picked.provider.hostNeeds?.() ?? [], packageOptions(ctx));
    for (const d of detected)
      log(
        `  ${d.info.name.padEnd(8)} ${d.info.usable ? 'usable ' : 'no     '} ${d.info.why}${d === picked ? '  <- picked' : d.info.usable ? `  (${skipped(d.info, picked.info)})` : ''}`,
      );
    // a slower candidate passed over (real VMs under emulation): say how to get it anyway
    for (const d of detected) if (d.info.usable && d !== picked && d.info.note) log(`  ${d.info.note}`);
    const each = detected.map(
      (d) => `${d.info.name}: ${d === picked ? 'picked' : d.info.usable ? 'usable' : 'no'}, ${d.info.why}`,
    );
    return {
      provider: picked.provider,
      choice: { ...picked.info, why: `auto; ${each.join('; ')}` },
      candidates: detected.map((d) => d.info),
      nodes: await picked.provider.localize(labNodes(config)),
    };
  }
  if (ctx.packages) {
    const made = await detectProviders({ ...ctx, log: () => {} }, [config.provider]);
    await ensureHostPackages(made[0]?.provider.hostNeeds?.() ?? [], packageOptions(ctx));
  }
  const [only] = await detectProviders(ctx, [config.provider]);
  if (only?.info.usable && only.info.tier === 'slow') log(`  ${only.info.name}: ${only.info.why}`);
  const { provider, info } = only!;
  if (!info.usable) {
    throw new ConfigError(
      'CRAWL_E_LAB_CONFIG',
      `provider: ${config.provider} (set in ${config.source}) cannot run here: ${info.why}`,
      {
        hint: 'fix what is missing (npm run lab:doctor explains each check), or set provider: auto to use the best one available',
      },
    );
  }
  return {
    provider,
    choice: { ...info, why: `chosen in lab.yaml; ${info.why}` },
    candidates: [info],
    nodes: await provider.localize(labNodes(config)),
  };
}

/** Why a usable candidate was not picked. */
function skipped(info: ProviderInfo, picked: ProviderInfo): string {
  const tier = info.tier ?? 'first';
  if (tier === 'slow') return `not picked: slower than ${picked.name}`;
  if (tier === 'last') return `not picked: ${picked.name} comes first`;
  return `not picked: ${picked.name} comes first`;
}

const packageOptions = (ctx: ProviderContext) => ({
  install: ctx.packages === 'install',
  log: (line: string) => ctx.log?.(`  ${line}`),
  ...(ctx.env ? { env: ctx.env } : {}),
});

/**
 * auto on a fresh machine: a better candidate than the one it would pick may
 * lack only packages apt installs (netns on a root Linux without rsync or
 * debootstrap). Install them, each named, and detect it again; stop at the
 * first candidate of the best tier that works.
 */
async function installForBetter(detected: Detected[], ctx: ProviderContext): Promise<void> {
  if (!canInstallPackages(ctx.env)) return;
  for (const d of detected) {
    if ((pickAuto(detected)?.info.tier ?? 'last') === 'first') return;
    if (d.info.usable || !d.provider.hostNeeds) continue;
    // unusable for another reason than packages (no root, not Linux): nothing to install
    if (missingNeeds(d.provider.hostNeeds(), ctx.env).length === 0) continue;
    ctx.log?.(`  ${d.info.name}: ${d.info.why}; installing what it needs`);
    await ensureHostPackages(d.provider.hostNeeds(), packageOptions(ctx));
    d.info = await d.provider.detect();
  }
}
