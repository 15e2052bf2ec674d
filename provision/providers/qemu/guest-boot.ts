/**
 * Files baked into the base image that make one image serve every node: at
 * each boot a oneshot unit reads the node's identity from the kernel command
 * line (QEMU's -append, set per VM) and writes the hostname, /etc/hosts and
 * the private lab interface, then creates the ssh host keys the image was
 * built without (each VM gets its own). No cloud-init, no disk editing.
 *
 *   crawl_lab.hostname=worker1
 *   crawl_lab.ip=192.168.56.11/24                     (NIC 2, the lab network)
 *   crawl_lab.hosts=master:192.168.56.10,worker1:…    (/etc/hosts lines)
 */

export const BOOT_SCRIPT_PATH = '/usr/local/sbin/crawl-lab-boot';
export const BOOT_UNIT = 'crawl-lab-boot.service';

export const BOOT_SCRIPT = `#!/bin/sh
# crawl-lab: this VM's identity from the kernel command line (see /proc/cmdline)
set -eu
name=''; ip=''; hosts=''
for word in $(cat /proc/cmdline); do
  case "$word" in
    crawl_lab.hostname=*) name=\${word#*=} ;;
    crawl_lab.ip=*) ip=\${word#*=} ;;
    crawl_lab.hosts=*) hosts=\${word#*=} ;;
  esac
done
if [ -n "$name" ]; then
  echo "$name" > /etc/hostname
  hostname "$name"
  {
    printf '127.0.0.1\\tlocalhost\\n::1\\tlocalhost ip6-localhost ip6-loopback\\n# crawl-lab nodes\\n'
    echo "$hosts" | tr ',' '\\n' | sed -n 's/^\\([^:]*\\):\\(.*\\)$/\\2\\t\\1/p'
  } > /etc/hosts
fi
mkdir -p /etc/network/interfaces.d
if [ -n "$ip" ]; then
  printf 'auto eth1\\niface eth1 inet static\\n  address %s\\n' "$ip" > /etc/network/interfaces.d/crawl-lab
else
  rm -f /etc/network/interfaces.d/crawl-lab
fi
ssh-keygen -A
`;

export const BOOT_UNIT_TEXT = `[Unit]
Description=crawl-lab: hostname, lab network and ssh host keys from the kernel command line
DefaultDependencies=no
After=local-fs.target
Before=network-pre.target networking.service ssh.service
Wants=network-pre.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=${BOOT_SCRIPT_PATH}

[Install]
WantedBy=sysinit.target
`;

/** NIC 1 (user-mode NAT) by DHCP; NIC 2 comes from the boot script's interfaces.d file. */
export const INTERFACES = `source /etc/network/interfaces.d/*

auto lo
iface lo inet loopback

auto eth0
iface eth0 inet dhcp
`;

/** The kernel command line words that give a VM its identity. */
export function identityArgs(o: {
  name: string;
  ip: string;
  prefix: number;
  hosts: ReadonlyArray<{ name: string; ip: string }>;
}): string[] {
  return [
    `crawl_lab.hostname=${o.name}`,
    `crawl_lab.ip=${o.ip}/${o.prefix}`,
    `crawl_lab.hosts=${o.hosts.map((h) => `${h.name}:${h.ip}`).join(',')}`,
  ];
}
