import { createHash } from 'node:crypto';
import type { LabNode } from '../../types.ts';
import { identityArgs } from './guest-boot.ts';

/**
 * The qemu-system-x86_64 command line of one lab VM, built as an argv from
 * plain values so it is tested without booting anything:
 *   - headless, daemonized, pidfile and a QMP socket in the lab's state folder
 *     (lab:down sends system_powerdown there; lab:destroy kills the pid);
 *   - direct kernel boot of the base image's kernel, root on the VM's qcow2 overlay;
 *   - NIC 1: user-mode NAT (the way out for apt), ports forwarded to 127.0.0.1 only;
 *   - NIC 2: the private lab network, a multicast socket bound to 127.0.0.1 that
 *     every VM of this lab joins: the host gets no interface and no route to it;
 *   - the serial console to <state>/qemu/<node>.console.log (lab:logs <node> console).
 */

export type Accel = 'kvm' | 'tcg';

export interface VmFiles {
  overlay: string;
  kernel: string;
  initrd: string;
  pidfile: string;
  qmp: string;
  console: string;
}

export interface LabSegment {
  /** Multicast group and port the lab's NIC 2s share (per LAB_ID: labSegment()). */
  group: string;
  port: number;
  /** Prefix length of lab.yaml's network.cidr. */
  prefix: number;
}

export interface VmSpec {
  labId: string;
  node: LabNode;
  /** Index of the node in lab.yaml (its MAC address on the lab network). */
  index: number;
  nodes: readonly LabNode[];
  accel: Accel;
  /** guest port → 127.0.0.1 port on this host (22 always). */
  forwards: Readonly<Record<number, number>>;
  segment: LabSegment;
  files: VmFiles;
}

/** The process name QEMU shows (`-name ...,process=`): how destroy recognises this lab's VMs. */
export function vmProcessName(labId: string, node: string): string {
  return `crawl-lab-${labId}-${node}`;
}

/**
 * One multicast group and port per LAB_ID, so labs side by side never share a
 * segment: 239.x.y.z (administratively scoped, never routed off the machine;
 * it is bound to 127.0.0.1 anyway) and a port in 20000–39999 from a hash of the id.
 */
export function labSegment(labId: string, prefix: number): LabSegment {
  const h = createHash('sha256').update(`crawl-lab-segment:${labId}`).digest();
  return {
    group: `239.${h[0]! % 255}.${h[1]!}.${1 + (h[2]! % 254)}`,
    port: 20000 + (h.readUInt16BE(3) % 20000),
    prefix,
  };
}

/** Locally administered MAC for NIC 2, unique per lab and node index. */
export function labMac(labId: string, index: number): string {
  const h = createHash('sha256').update(`crawl-lab-mac:${labId}`).digest();
  const bytes = [0x52, 0x54, h[0]!, h[1]!, h[2]!, index & 0xff];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

export function kernelCmdline(spec: Pick<VmSpec, 'node' | 'nodes' | 'segment'>): string {
  return [
    'console=ttyS0',
    'root=/dev/vda',
    'rw',
    'net.ifnames=0',
    'panic=-1',
    ...identityArgs({
      name: spec.node.name,
      ip: spec.node.ip,
      prefix: spec.segment.prefix,
      hosts: spec.nodes,
    }),
  ].join(' ');
}

/**
 * One `hostfwd` of NIC 1. ssh lands on the NAT address (sshd listens
 * everywhere, and it must work even when the lab network does not); every
 * other port lands on the node's lab address, because the lab's services
 * listen there only (the site with `--host <ip>`, FerretDB on `<ip>:port`):
 * forwarded to the NAT address they would refuse the connection.
 */
export function hostForward(node: Pick<LabNode, 'ip'>, guest: number, host: number): string {
  return `hostfwd=tcp:127.0.0.1:${host}-${guest === 22 ? '' : node.ip}:${guest}`;
}

export function qemuArgv(spec: VmSpec, qemu = 'qemu-system-x86_64'): string[] {
  const { node, files } = spec;
  const fwd = Object.entries(spec.forwards)
    .map(([guest, host]) => hostForward(node, Number(guest), host))
    .join(',');
  return [
    qemu,
    '-name',
    `${vmProcessName(spec.labId, node.name)},process=${vmProcessName(spec.labId, node.name)}`,
    '-machine',
    'q35',
    '-accel',
    spec.accel,
    ...(spec.accel === 'kvm' ? ['-cpu', 'host'] : []),
    '-smp',
    String(node.cpus),
    '-m',
    String(node.memoryMb),
    '-display',
    'none',
    '-nodefaults',
    '-no-user-config',
    '-serial',
    `file:${files.console}`,
    '-qmp',
    `unix:${files.qmp},server=on,wait=off`,
    '-pidfile',
    files.pidfile,
    '-daemonize',
    '-kernel',
    files.kernel,
    '-initrd',
    files.initrd,
    '-append',
    kernelCmdline(spec),
    '-drive',
    `file=${files.overlay},format=qcow2,if=virtio`,
    '-object',
    'rng-random,filename=/dev/urandom,id=rng0',
    '-device',
    'virtio-rng-pci,rng=rng0',
    '-netdev',
    `user,id=nat,${fwd}`,
    '-device',
    'virtio-net-pci,netdev=nat',
    '-netdev',
    `socket,id=lab,mcast=${spec.segment.group}:${spec.segment.port},localaddr=127.0.0.1`,
    '-device',
    `virtio-net-pci,netdev=lab,mac=${labMac(spec.labId, spec.index)}`,
  ];
}
