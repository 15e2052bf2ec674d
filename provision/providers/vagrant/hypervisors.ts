import { existsSync } from 'node:fs';
import { type HostEnv, probe, versionIn, which } from '../../host-probe.ts';

/**
 * Which hypervisors Vagrant could drive here. "found" = its tool is installed;
 * "usable" = the tool runs and answers (a VirtualBox whose kernel module is not
 * loaded, or a libvirt without its daemon, is found but not usable).
 */
export type HypervisorName = 'virtualbox' | 'libvirt' | 'vmware' | 'parallels' | 'qemu';

export interface HypervisorInfo {
  name: HypervisorName;
  found: boolean;
  usable: boolean;
  version?: string;
  why: string;
}

export interface HostFacts {
  platform: NodeJS.Platform;
  arch: string;
}

export const THIS_HOST: HostFacts = { platform: process.platform, arch: process.arch };

/** Where installers put tools that are not on PATH by default. */
const EXTRA_DIRS: Partial<Record<NodeJS.Platform, string[]>> = {
  darwin: ['/Applications/VMware Fusion.app/Contents/Library', '/usr/local/bin', '/opt/homebrew/bin'],
};

async function virtualbox(env: HostEnv, host: HostFacts): Promise<HypervisorInfo> {
  const file = which('VBoxManage', env, EXTRA_DIRS[host.platform]);
  if (!file) return { name: 'virtualbox', found: false, usable: false, why: 'VBoxManage not on PATH' };
  const r = await probe(file, ['--version'], env);
  const version = versionIn(r.stdout);
  if (r.exitCode !== 0 || !version)
    return {
      name: 'virtualbox',
      found: true,
      usable: false,
      why: `VBoxManage --version failed: ${(r.stderr || r.stdout).trim().slice(0, 160)}`,
    };
  // VBoxManage still prints its version when the kernel driver is missing, with a warning
  if (/vboxdrv|kernel (module|driver)/i.test(r.stderr))
    return {
      name: 'virtualbox',
      found: true,
      usable: false,
      version,
      why: `VirtualBox ${version} is installed but its kernel module is not loaded (sudo /sbin/vboxconfig)`,
    };
  return { name: 'virtualbox', found: true, usable: true, version, why: `VirtualBox ${version}` };
}

async function libvirt(env: HostEnv): Promise<HypervisorInfo> {
  const file = which('virsh', env);
  const socket = ['/run/libvirt/libvirt-sock', '/var/run/libvirt/libvirt-sock'].some((s) => existsSync(s));
  if (!file) {
    return {
      name: 'libvirt',
      found: socket,
      usable: false,
      why: socket
        ? 'libvirt daemon present, virsh missing (apt-get install libvirt-clients)'
        : 'virsh not on PATH',
    };
  }
  const r = await probe(file, ['-c', 'qemu:///system', 'version'], env);
  if (r.exitCode !== 0)
    return {
      name: 'libvirt',
      found: true,
      usable: false,
      why: `virsh cannot reach qemu:///system: ${(r.stderr || r.stdout).trim().split('\n')[0]?.slice(0, 160)}`,
    };
  return {
    name: 'libvirt',
    found: true,
    usable: true,
    version: versionIn(r.stdout),
    why: 'libvirt answers on qemu:///system',
  };
}

async function simple(
  name: HypervisorName,
  tool: string,
  args: string[],
  label: string,
  env: HostEnv,
  host: HostFacts,
): Promise<HypervisorInfo> {
  const file = which(tool, env, EXTRA_DIRS[host.platform]);
  if (!file) return { name, found: false, usable: false, why: `${tool} not on PATH` };
  const r = await probe(file, args, env);
  if (r.exitCode !== 0)
    return {
      name,
      found: true,
      usable: false,
      why: `${tool} ${args.join(' ')} failed: ${r.stderr.trim().slice(0, 160)}`,
    };
  const version = versionIn(r.stdout);
  return {
    name,
    found: true,
    usable: true,
    ...(version ? { version } : {}),
    why: `${label}${version ? ` ${version}` : ''}`,
  };
}

/** Every hypervisor Vagrant supports in the lab's Vagrantfile, probed in the order the lab prefers them. */
export async function detectHypervisors(
  env: HostEnv = process.env,
  host: HostFacts = THIS_HOST,
): Promise<HypervisorInfo[]> {
  const out = [await virtualbox(env, host), await libvirt(env)];
  out.push(await simple('vmware', 'vmrun', ['list'], 'VMware', env, host));
  if (host.platform === 'darwin') {
    out.push(await simple('parallels', 'prlctl', ['--version'], 'Parallels', env, host));
    // QEMU matters for Vagrant only on Apple Silicon (vagrant-qemu); on Linux it is libvirt's business
    if (host.arch === 'arm64')
      out.push(await simple('qemu', 'qemu-system-aarch64', ['--version'], 'QEMU', env, host));
  }
  return out;
}
