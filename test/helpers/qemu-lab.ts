import { which } from '../../provision/host-probe.ts';
import { QEMU_BIN } from '../../provision/providers/qemu/provider.ts';

/**
 * What the real-VM tests share: why they cannot run here (under CI=true a
 * missing piece fails instead of skipping), and the three-VM lab.yaml.
 */

/** Why three qemu VMs cannot run on this host, or undefined. */
export function qemuMissing(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (building the base image: debootstrap and chroot)';
  for (const tool of [QEMU_BIN, 'qemu-img'])
    if (!which(tool)) return `${tool} is not installed (apt-get install qemu-system-x86 qemu-utils)`;
  if (!which('debootstrap', process.env, ['/usr/sbin', '/sbin'])) return 'debootstrap is not installed';
  return undefined;
}

/**
 * The lab.yaml of three small VMs on `<net>.0/24` (master .10 with 1 GB,
 * workers .11 and .12 with 768 MB, one vCPU each, a boot bound generous
 * enough for TCG on busy cores), followed by `rest`. Items go to JSON-lines
 * files: FerretDB on an emulated master answers after the driver's timeout
 * (docs/providers.md, "qemu").
 */
export function qemuThreeNodeYaml(net: string, rest: string): string {
  return `provider: qemu
network: { cidr: ${net}.0/24 }
nodes:
  - { name: master, role: master, ip: ${net}.10, memory: 1024, cpus: 1 }
  - { name: worker1, role: worker, ip: ${net}.11, memory: 768, cpus: 1 }
  - { name: worker2, role: worker, ip: ${net}.12, memory: 768, cpus: 1 }
qemu: { accel: auto, boot_timeout_s: 900 }
mongodb: { enabled: false }
${rest.trim()}
`;
}
