import type { LabConfig } from '../config/index.ts';
import type { HostEnv } from '../host-probe.ts';
import type { HostFacts, HypervisorInfo } from '../providers/vagrant/hypervisors.ts';
import type { ProviderInfo } from '../types.ts';

export type ProviderName = ProviderInfo['name'];

/**
 * What one check found. `blocks` lists the providers the problem stops (empty
 * = nothing is wrong, or only worth a note when `note` is set). The status a
 * learner sees is resolved against the provider the lab would use: FAIL when
 * it blocks that one, warn when it only blocks others.
 */
export interface Finding {
  id: string;
  message: string;
  fix?: string;
  blocks: ProviderName[];
  /** Nothing blocked, but worth a warning (a known slow or fragile setup). */
  note?: boolean;
}

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface CheckResult extends Finding {
  status: CheckStatus;
}

/** Everything the checks read, gathered once (and replaceable in tests). */
export interface DoctorContext {
  /** undefined when lab.yaml is invalid (the config check says why). */
  config: LabConfig | undefined;
  env: HostEnv;
  host: HostFacts;
  isRoot: boolean;
  vagrantPath: string | undefined;
  vagrantVersion: string | undefined;
  hypervisors: HypervisorInfo[];
  /** The lab's state folder: free disk is measured there; it names the lab (provision/owner.ts). */
  stateDir: string;
  /** This lab's LAB_ID, and the shared cache holding every lab's claim. */
  labId: string;
  cacheDir: string;
  /** /etc/vbox/networks.conf (VirtualBox's allowed host-only ranges). */
  vboxNetworksConf: string;
}

export type Check = (ctx: DoctorContext) => Finding | Promise<Finding>;

export function resolveStatus(f: Finding, chosen: ProviderName | undefined): CheckStatus {
  if (f.blocks.length === 0) return f.note ? 'warn' : 'ok';
  return chosen === undefined || f.blocks.includes(chosen) ? 'fail' : 'warn';
}
