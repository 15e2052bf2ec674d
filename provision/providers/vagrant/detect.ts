import { existsSync } from 'node:fs';
import { type HostEnv, probe, which } from '../../host-probe.ts';
import { detectHypervisors, type HostFacts, type HypervisorInfo, THIS_HOST } from './hypervisors.ts';

/**
 * Is Vagrant usable here, and with which hypervisor? The one detection that
 * `provider: auto`, `provider: vagrant`, lab:doctor and `vagrant up
 * --provider` all use. Checked from the cheapest test to the dearest: vagrant
 * on PATH, each hypervisor's tool and whether it answers (hypervisors.ts), and
 * only when a plugin-driven hypervisor answers, `vagrant plugin list` (Ruby
 * start-up, about a second). Every "no" says what is missing.
 */

/** The --provider value `vagrant up` gets. */
export type VagrantHypervisor = 'virtualbox' | 'libvirt' | 'vmware_desktop' | 'parallels' | 'qemu';

export interface VagrantDetection {
  usable: boolean;
  why: string;
  /** The --provider value `vagrant up` gets, when usable. */
  hypervisor?: VagrantHypervisor;
  /** vagrant's absolute path, when on PATH. */
  path?: string;
  /** Every hypervisor probed, in the lab's order of preference (lab:doctor's checks read these). */
  hypervisors: HypervisorInfo[];
}

/** Hypervisors Vagrant drives through a plugin, and the plugin's name. */
const PLUGIN: Partial<Record<HypervisorInfo['name'], { plugin: string; provider: VagrantHypervisor }>> = {
  libvirt: { plugin: 'vagrant-libvirt', provider: 'libvirt' },
  vmware: { plugin: 'vagrant-vmware-desktop', provider: 'vmware_desktop' },
  parallels: { plugin: 'vagrant-parallels', provider: 'parallels' },
  qemu: { plugin: 'vagrant-qemu', provider: 'qemu' },
};

export async function detectVagrant(
  env: HostEnv = process.env,
  host: HostFacts = THIS_HOST,
): Promise<VagrantDetection> {
  const path = which('vagrant', env);
  const hypervisors = await detectHypervisors(env, host);
  const tried = () => hypervisors.map((h) => `${h.name}: ${h.why}`).join(', ');
  if (!path)
    return {
      hypervisors,
      usable: false,
      why: `vagrant is not on PATH (install it: https://developer.hashicorp.com/vagrant/install, or apt-get install vagrant; ${tried()})`,
    };
  const answering = hypervisors.filter((h) => h.usable);
  let plugins: string | undefined;
  for (const h of answering) {
    const needs = PLUGIN[h.name];
    if (!needs) continue;
    plugins ??= (await probe(path, ['plugin', 'list'], env, 60_000)).stdout;
    if (!plugins.includes(needs.plugin)) {
      h.usable = false;
      h.why = `${h.why}, but the ${needs.plugin} plugin is not installed (vagrant plugin install ${needs.plugin})`;
    } else if (h.name === 'libvirt' && !existsSync('/dev/kvm')) {
      h.usable = false;
      h.why = `${h.why}, but /dev/kvm is missing (enable virtualisation in the BIOS, or nested virtualisation)`;
    }
  }
  const usable = hypervisors.filter((h) => h.usable);
  if (usable.length === 0)
    return { path, hypervisors, usable: false, why: `vagrant found but no usable hypervisor (${tried()})` };
  const first = usable[0]!;
  return {
    path,
    hypervisors,
    usable: true,
    why: `vagrant and ${usable.map((h) => h.why).join(', ')}`,
    hypervisor: PLUGIN[first.name]?.provider ?? 'virtualbox',
  };
}
