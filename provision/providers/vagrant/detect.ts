import { existsSync } from 'node:fs';
import { execArgv } from '../../transports/exec.ts';

/**
 * Is Vagrant usable here, and with which hypervisor? Checked from the cheapest
 * test to the dearest: a tool on PATH, then that it runs, and only when a
 * plugin-based hypervisor's tool exists, `vagrant plugin list` (Ruby start-up,
 * about a second). Every "no" says what is missing and how to fix it.
 */

export type VagrantHypervisor = 'virtualbox' | 'libvirt' | 'vmware_desktop' | 'parallels' | 'qemu';

export interface VagrantDetection {
  usable: boolean;
  why: string;
  /** The --provider value `vagrant up` gets. */
  hypervisor?: VagrantHypervisor;
}

/** Plugin-based hypervisors: the host tool that must exist and the Vagrant plugin that drives it. */
const PLUGINS: readonly { hypervisor: VagrantHypervisor; tool: string; plugin: string; what: string }[] = [
  { hypervisor: 'libvirt', tool: 'virsh', plugin: 'vagrant-libvirt', what: 'libvirt/KVM' },
  { hypervisor: 'vmware_desktop', tool: 'vmrun', plugin: 'vagrant-vmware-desktop', what: 'VMware' },
  { hypervisor: 'parallels', tool: 'prlctl', plugin: 'vagrant-parallels', what: 'Parallels' },
];

export async function detectVagrant(
  env: NodeJS.ProcessEnv,
  platform = process.platform,
  arch = process.arch,
): Promise<VagrantDetection> {
  const run = (argv: string[]) =>
    execArgv(argv, { node: 'host', nothrow: true, baseEnv: env, timeoutMs: 60_000 });
  const has = async (tool: string) =>
    (await run(['/bin/sh', '-c', 'command -v "$1"', 'sh', tool])).exitCode === 0;

  if (!(await has('vagrant')))
    return {
      usable: false,
      why: 'vagrant is not installed (https://developer.hashicorp.com/vagrant/install, or apt-get install vagrant)',
    };
  const version = await run(['vagrant', '--version']);
  if (version.exitCode !== 0)
    return {
      usable: false,
      why: `\`vagrant --version\` exited ${version.exitCode}: ${version.stderr.trim().slice(-200)}; reinstall Vagrant`,
    };
  const which = version.stdout.trim() || 'vagrant';

  const missing: string[] = [];
  if (await has('VBoxManage')) {
    const vbox = await run(['VBoxManage', '--version']);
    if (vbox.exitCode === 0)
      return {
        usable: true,
        why: `${which} with VirtualBox ${vbox.stdout.trim()}`,
        hypervisor: 'virtualbox',
      };
    missing.push(
      `VirtualBox: \`VBoxManage --version\` failed (${vbox.stderr.trim().slice(-120)}; reinstall it or load its kernel driver)`,
    );
  } else missing.push('VirtualBox: VBoxManage not found');

  const tools = await Promise.all(PLUGINS.map(async (p) => ({ ...p, present: await has(p.tool) })));
  const qemu = platform === 'darwin' && arch === 'arm64' && (await has('qemu-system-aarch64'));
  let plugins = '';
  if (tools.some((p) => p.present) || qemu) plugins = (await run(['vagrant', 'plugin', 'list'])).stdout;
  for (const p of tools) {
    if (!p.present) missing.push(`${p.what}: ${p.tool} not found`);
    else if (!plugins.includes(p.plugin))
      missing.push(
        `${p.what}: ${p.tool} found but the ${p.plugin} plugin is not installed (vagrant plugin install ${p.plugin})`,
      );
    else if (p.hypervisor === 'libvirt' && !existsSync('/dev/kvm'))
      missing.push(
        'libvirt: /dev/kvm is missing (enable virtualisation in the BIOS or nested virtualisation)',
      );
    else return { usable: true, why: `${which} with ${p.what} (${p.plugin})`, hypervisor: p.hypervisor };
  }
  if (qemu && plugins.includes('vagrant-qemu'))
    return {
      usable: true,
      why: `${which} with QEMU on Apple Silicon (vagrant-qemu, experimental)`,
      hypervisor: 'qemu',
    };
  missing.push(
    platform === 'darwin' && arch === 'arm64'
      ? 'QEMU: qemu-system-aarch64 or the vagrant-qemu plugin missing'
      : 'QEMU: used only on Apple Silicon Macs',
  );
  return {
    usable: false,
    why: `${which} is installed but no hypervisor is usable: ${missing.join('; ')}. Install VirtualBox (or libvirt with vagrant-libvirt) on a machine that can run VMs; inside a container or a VM without nested virtualisation use provider netns`,
  };
}
