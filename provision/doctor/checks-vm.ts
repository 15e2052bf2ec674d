import { existsSync, readFileSync } from 'node:fs';
import { cidrInside, parseCidr, VIRTUALBOX_HOST_ONLY } from '../config/network.ts';
import { compareVersions } from '../host-probe.ts';
import { installHint } from './install-hints.ts';
import type { DoctorContext, Finding } from './types.ts';

/** Checks for the vagrant provider: Vagrant, a hypervisor, and the traps of reference/vagrant-labs.md §3. */

/** VirtualBox from this version on only allows host-only networks listed in networks.conf (default 192.168.56.0/21). */
export const VBOX_RANGE_SINCE = '6.1.28';
/** First VirtualBox that runs arm64 guests well enough for the Bento arm64 box. */
export const VBOX_ARM64_SINCE = '7.1.6';

export function vagrantCheck(ctx: DoctorContext): Finding {
  if (!ctx.vagrantPath) {
    return {
      id: 'vagrant',
      message: 'Vagrant is not installed (not on PATH)',
      fix: installHint('vagrant'),
      blocks: ['vagrant'],
    };
  }
  return {
    id: 'vagrant',
    message: `Vagrant ${ctx.vagrantVersion ?? '(version unknown)'} at ${ctx.vagrantPath}`,
    blocks: [],
  };
}

export function hypervisorCheck(ctx: DoctorContext): Finding {
  const usable = ctx.hypervisors.filter((h) => h.usable);
  if (usable.length > 0)
    return { id: 'hypervisor', message: usable.map((h) => h.why).join(', '), blocks: [] };
  const found = ctx.hypervisors.filter((h) => h.found);
  return {
    id: 'hypervisor',
    message: found.length
      ? `installed but not usable: ${found.map((h) => `${h.name} (${h.why})`).join('; ')}`
      : 'no hypervisor found (VirtualBox, libvirt, VMware, Parallels, QEMU)',
    fix:
      ctx.host.platform === 'darwin' && ctx.host.arch === 'arm64'
        ? `install VirtualBox ${VBOX_ARM64_SINCE}+ or VMware Fusion or Parallels (Apple Silicon), or use provider: local`
        : 'install VirtualBox (https://www.virtualbox.org/wiki/Downloads) or libvirt + vagrant-libvirt; or use provider: netns (Linux, root) or local',
    blocks: ['vagrant'],
  };
}

/** Ranges in /etc/vbox/networks.conf: lines like `* 10.0.0.0/8 192.168.0.0/16`. */
export function vboxAllowedRanges(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('*'))
    .flatMap((l) => l.slice(1).trim().split(/\s+/))
    .filter((r) => parseCidr(r) !== undefined);
}

export function vboxRangeCheck(ctx: DoctorContext): Finding {
  const id = 'virtualbox-range';
  if (!ctx.config) return { id, message: 'skipped: lab.yaml is invalid', blocks: [] };
  const net = parseCidr(ctx.config.network.cidr);
  const vbox = ctx.hypervisors.find((h) => h.name === 'virtualbox');
  if (vbox?.version && compareVersions(vbox.version, VBOX_RANGE_SINCE) < 0) {
    return {
      id,
      message: `VirtualBox ${vbox.version} predates ${VBOX_RANGE_SINCE}: any host-only range works`,
      blocks: [],
    };
  }
  const conf = existsSync(ctx.vboxNetworksConf) ? readFileSync(ctx.vboxNetworksConf, 'utf8') : undefined;
  const allowed = conf === undefined ? [VIRTUALBOX_HOST_ONLY.text] : vboxAllowedRanges(conf);
  const inside = net !== undefined && allowed.some((r) => cidrInside(net, parseCidr(r)!));
  const whence = conf === undefined ? 'the default' : ctx.vboxNetworksConf;
  if (inside)
    return {
      id,
      message: `network ${ctx.config.network.cidr} is inside VirtualBox's allowed ${allowed.join(', ')} (${whence})`,
      blocks: [],
    };
  return {
    id,
    message: `network ${ctx.config.network.cidr} is outside VirtualBox's allowed host-only range ${allowed.join(', ') || '(none)'} (${whence}); VirtualBox ${VBOX_RANGE_SINCE}+ refuses it with "The IP address configured for the host-only network is not within the allowed ranges"`,
    fix: `use network.cidr 192.168.56.0/24 (any /24 from 192.168.56.0 to 192.168.63.0) in lab.yaml; or, advanced, list the range in ${ctx.vboxNetworksConf} as "* ${ctx.config.network.cidr}"`,
    blocks: ['vagrant'],
  };
}

export function conflictCheck(ctx: DoctorContext): Finding {
  const id = 'hypervisor-conflict';
  const vbox = ctx.hypervisors.find((h) => h.name === 'virtualbox' && h.found);
  if (ctx.host.platform === 'win32') {
    return {
      id,
      message:
        'Windows: when Hyper-V, WSL2 or "Virtual Machine Platform" is on, VirtualBox runs very slowly or fails with VERR_VMX_NO_VMX, and Hyper-V ignores static IPs',
      fix: 'turn Hyper-V off for VirtualBox (bcdedit /set hypervisorlaunchtype off, then reboot), or use Vagrant with the hyperv provider and discovered addresses',
      blocks: [],
      note: true,
    };
  }
  if (
    ctx.host.platform === 'linux' &&
    vbox &&
    ['kvm_intel', 'kvm_amd'].some((m) => existsSync(`/sys/module/${m}`))
  ) {
    return {
      id,
      message: `KVM is loaded while VirtualBox ${vbox.version ?? ''} is installed: on Linux 6.12+ KVM holds VT-x and VirtualBox fails with VERR_VMX_IN_VMX_ROOT_MODE`,
      fix: 'for VirtualBox sessions: sudo modprobe -r kvm_intel kvm_amd, or add "options kvm enable_virt_at_load=0" under /etc/modprobe.d/; or use libvirt instead',
      blocks: [],
      note: true,
    };
  }
  return { id, message: 'no known hypervisor conflict', blocks: [] };
}

export function appleSiliconCheck(ctx: DoctorContext): Finding {
  const id = 'apple-silicon';
  if (ctx.host.platform !== 'darwin' || ctx.host.arch !== 'arm64')
    return { id, message: `not Apple Silicon (${ctx.host.platform} ${ctx.host.arch})`, blocks: [] };
  const vbox = ctx.hypervisors.find((h) => h.name === 'virtualbox' && h.found);
  if (vbox?.version && compareVersions(vbox.version, VBOX_ARM64_SINCE) < 0) {
    return {
      id,
      message: `Apple Silicon with VirtualBox ${vbox.version}: arm64 guests need ${VBOX_ARM64_SINCE}+ (amd64 boxes do not run at all)`,
      fix: `upgrade VirtualBox to ${VBOX_ARM64_SINCE}+ with Vagrant 2.4+, or use VMware Fusion, Parallels or QEMU (vagrant-qemu), with the arm64 build of the box`,
      blocks: ['vagrant'],
    };
  }
  return {
    id,
    message: 'Apple Silicon: only arm64 boxes run; bento/ubuntu-24.04 has an arm64 build',
    fix: `VirtualBox ${VBOX_ARM64_SINCE}+ with Vagrant 2.4+, else VMware Fusion, Parallels or QEMU`,
    blocks: [],
    note: true,
  };
}
