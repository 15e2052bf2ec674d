import { existsSync, readdirSync } from 'node:fs';
import { otherLabs } from '../owner.ts';
import type { DoctorContext, Finding, ProviderName } from './types.ts';

/**
 * Labs on this host that are not this checkout's (issue 12): the claims other
 * checkouts' lab:up wrote (provision/owner.ts), and netns bridges `clab-<id>`
 * nobody claims (labs made before claims existed, or whose state folder was
 * deleted). Listed so nobody mistakes them for their own; one on this lab's
 * /24 stops netns and qemu (the bridge refuses a network the host already uses).
 */
export function otherLabsCheck(ctx: DoctorContext, netDir = '/sys/class/net'): Finding {
  const others = otherLabs({ cacheDir: ctx.cacheDir, stateDir: ctx.stateDir });
  const claimed = new Set([ctx.labId, ...others.map((c) => c.labId)]);
  const unowned = bridges(netDir).filter((b) => !claimed.has(b.slice('clab-'.length)));
  const listed = [
    ...others.map(
      (c) => `${c.labId} (${c.provider} on ${c.cidr}, checkout ${c.checkout}, state ${c.stateDir})`,
    ),
    ...unowned.map((b) => `${b.slice('clab-'.length)} (netns bridge ${b}, owner unknown: no claim)`),
  ];
  if (listed.length === 0)
    return {
      id: 'other-labs',
      message: `no lab of another checkout on this host (this lab: ${ctx.labId})`,
      blocks: [],
    };
  const cidr = ctx.config?.network.cidr;
  const clash = others.filter((c) => c.cidr === cidr && c.provider !== 'local' && c.provider !== 'ssh');
  const blocks: ProviderName[] = clash.length > 0 ? ['netns', 'vagrant'] : [];
  return {
    id: 'other-labs',
    message: `${listed.length} lab(s) of other checkouts, not this one's (${ctx.labId}): ${listed.join('; ')}`,
    fix:
      clash.length > 0
        ? `${clash.map((c) => c.labId).join(', ')} use${clash.length === 1 ? 's' : ''} this lab's network ${cidr}: give this lab another /24 in lab.yaml (network.cidr and the nodes' ip), or destroy that lab from its checkout`
        : 'leave them be, or manage each from its own checkout (cd <checkout> && npm run lab:destroy)',
    blocks,
    note: true,
  };
}

/** The netns bridges on this host (`clab-<id>`, without the veths `clab-<id>-<i>`). */
function bridges(netDir: string): string[] {
  if (!existsSync(netDir)) return [];
  return readdirSync(netDir)
    .filter((n) => /^clab-[a-z0-9]{1,7}$/.test(n) && existsSync(`${netDir}/${n}/bridge`))
    .sort();
}
