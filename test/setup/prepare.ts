/**
 * The set-up step of `npm test` (test/run.sh runs it first): everything the
 * tests need on this host. As root with apt it installs what is missing,
 * naming each package, and builds the MongoDB-protocol server once; anywhere
 * else it stops with one line naming what is missing and the command that
 * installs it, instead of a cascade of failing tests (issue 12).
 */
import { isCrawlError } from '../../common/errors.ts';
import { buildFerretdb, ferretdbBuilt } from '../../provision/host-setup/ferretdb.ts';
import { ensureHostPackages, type HostNeed } from '../../provision/host-setup/packages.ts';
import { OPENSSL_NEED } from '../../provision/redis-tls.ts';
import { onPath } from '../../provision/steps/mongodb-binary.ts';

export const TEST_NEEDS: readonly HostNeed[] = [
  { tool: 'redis-server', pkg: 'redis-server', why: 'the shared queue in nearly every test' },
  { tool: 'redis-cli', pkg: 'redis-tools', why: 'the lab steps and lessons' },
  {
    tool: 'debootstrap',
    pkg: 'debootstrap',
    why: 'the Debian root filesystem of stand-in hosts and VM images',
  },
  { tool: 'rsync', pkg: 'rsync', why: 'copying the crawler to the nodes' },
  { tool: 'ip', pkg: 'iproute2', why: 'network namespaces' },
  { tool: 'unshare', pkg: 'util-linux', why: 'network and user namespaces' },
  { tool: 'ps', pkg: 'procps', why: 'process checks' },
  { tool: 'sshd', pkg: 'openssh-server', why: 'the ssh provider against real sshd' },
  { tool: 'ssh', pkg: 'openssh-client', why: 'the ssh transport' },
  { tool: 'nft', pkg: 'nftables', why: 'the firewall step' },
  { tool: 'systemd-analyze', pkg: 'systemd', why: 'verifying the VM units' },
  { tool: 'vagrant', pkg: 'vagrant', why: 'Vagrantfile validation and detection' },
  { tool: '/usr/bin/chromium', pkg: 'chromium', why: "the dashboard's browser test" },
  {
    tool: '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc',
    pkg: 'fonts-wqy-microhei',
    why: 'Chinese text in the dashboard screenshots',
  },
  { tool: 'git', pkg: 'git', why: 'patching the MongoDB-protocol server' },
  OPENSSL_NEED,
  { tool: 'qemu-system-x86_64', pkg: 'qemu-system-x86', why: 'the real-VM tests (qemu provider)' },
  { tool: 'qemu-img', pkg: 'qemu-utils', why: 'copy-on-write overlays of the VM base image' },
  { tool: 'debugfs', pkg: 'e2fsprogs', why: "lab:box writes Vagrant's key into the disk image" },
  // the real Vagrant test (test/lab/vagrant-libvirt-e2e.test.ts): libvirtd is started only
  // inside that test's network namespace, so auto and lab:doctor elsewhere find libvirt not answering
  {
    tool: '/usr/share/vagrant-plugins/plugins.d/vagrant-libvirt.json',
    pkg: 'vagrant-libvirt',
    why: 'the real Vagrant test (vagrant up --provider libvirt)',
  },
  { tool: 'libvirtd', pkg: 'libvirt-daemon', why: 'the real Vagrant test: libvirt in a namespace' },
  {
    tool: '/usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_qemu.so',
    pkg: 'libvirt-daemon-driver-qemu',
    why: "libvirt's QEMU driver",
  },
  { tool: 'virsh', pkg: 'libvirt-clients', why: 'the real Vagrant test: its checks and cleanup' },
  { tool: 'dnsmasq', pkg: 'dnsmasq-base', why: "libvirt's networks (DHCP for the Vagrant VMs)" },
  { tool: 'iptables', pkg: 'iptables', why: "libvirt's networks (NAT inside the test's namespace)" },
  { tool: 'ebtables', pkg: 'ebtables', why: "libvirt's networks" },
];

export async function prepare(log: (line: string) => void): Promise<void> {
  const installed = await ensureHostPackages(TEST_NEEDS, { log });
  if (installed.length > 0) log(`installed: ${installed.join(' ')}`);
  if (process.env['MONGO_URL']) log('MongoDB-protocol server: MONGO_URL');
  else if (onPath('mongod')) log(`MongoDB-protocol server: ${onPath('mongod')}`);
  else if (!ferretdbBuilt()) await buildFerretdb(log, process.env, { fetchGo: true });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const log = (line: string) => console.error(`test set-up: ${line}`);
  try {
    await prepare(log);
  } catch (error) {
    console.error(`test set-up: ${isCrawlError(error) ? error.explain() : String(error)}`);
    process.exitCode = 1;
  }
}
