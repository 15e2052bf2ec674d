import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ProviderError } from '../../transports/errors.ts';
import { hostRun } from '../qemu/host-run.ts';
import type { BaseImage } from '../qemu/image.ts';

/**
 * The qemu provider's base image (../qemu/image.ts builds it; nothing here
 * builds a second one) exported as a Vagrant box for the libvirt provider, so
 * `vagrant box add` installs it offline from the file:
 *
 *   box.img        the image's ext4 disk as compressed qcow2, with Vagrant's
 *                  insecure public key as the `vagrant` user's only key
 *                  (Vagrant swaps it for a fresh one at the first `vagrant up`)
 *   vmlinuz, initrd.img   the image's kernel: the disk has no bootloader
 *   Vagrantfile    the box's own: direct kernel boot of the two files beside it
 *   metadata.json  {"provider":"libvirt","format":"qcow2","virtual_size":<GB>}
 *
 * Cached beside the image, keyed by the image's recipe hash and BOX_FORMAT, so
 * a second lab:box is instant and a changed recipe exports a new box.
 */

/** The name lab:box suggests for `vagrant box add --name` and lab.yaml `box`. */
export const BOX_NAME = 'crawl-lab/debian-12';
/** What `vagrant box add <file>` records as the version of a box added from a file. */
export const BOX_FILE_VERSION = '0';
/** Bump when the box's layout (files, Vagrantfile, key) changes. */
const BOX_FORMAT = 1;

/**
 * Vagrant's well-known insecure public key (keys/vagrant.pub in every Vagrant
 * release): what boxes carry so the first `vagrant up` can log in.
 * test/provision/vagrant-box.test.ts checks it against the installed Vagrant.
 */
export const VAGRANT_INSECURE_PUBLIC_KEY =
  'ssh-rsa AAAAB3NzaC1yc2EAAAABIwAAAQEA6NF8iallvQVp22WDkTkyrtvp9eWW6A8YVr+kz4TjGYe7gHzIw+niNltGEFHzD8+v1I2YJ6oXevct1YeS0o9HZyN1Q9qgCgzUFtdOKLv6IedplqoPkcmF0aYet2PkEDo3MlTBckFXPITAMzF8dJSIFo9D8HfdOV0IAdx4O7PtixWKn5y2hMNG0zQPyUecp4pzC6kivAIhyfHilFR61RGL+GPXQ2MWZWFYbAGjyiYJnAmCP3NOTd0jMZEnDkbUvxhMmBYSdETk1rRgm+R4LOzFUGaHqHDLKLX+FIPKcF96hrucXzcWyLbIbEgE98OHlnVYCzRdK8jlqm8tehUc9c9WhQ== vagrant insecure public key';

/** The kernel command line: root on the virtio disk, console on the serial port, eth0/eth1 names. */
export const BOX_CMD_LINE = 'root=/dev/vda rw console=ttyS0 net.ifnames=0';

/** The box's own Vagrantfile. Vagrant loads it before the project's, so lab.yaml settings win. */
export const BOX_VAGRANTFILE = `# crawl-lab's Debian 12 box for vagrant-libvirt, written by npm run lab:box.
# The disk has no partitions and no bootloader: libvirt boots the kernel and
# initrd that sit beside this file (direct kernel boot).
Vagrant.configure("2") do |config|
  config.vm.provider :libvirt do |libvirt|
    libvirt.kernel = File.join(File.dirname(__FILE__), "vmlinuz")
    libvirt.initrd = File.join(File.dirname(__FILE__), "initrd.img")
    libvirt.cmd_line = "${BOX_CMD_LINE}"
    libvirt.disk_bus = "virtio"
  end
end
`;

export function boxMetadata(diskMb: number): string {
  return `${JSON.stringify({ provider: 'libvirt', format: 'qcow2', virtual_size: Math.ceil(diskMb / 1024) })}\n`;
}

/** The box file for this image: <cache>/vagrant/crawl-lab-debian-12-<hash>.box. */
export function boxPath(cacheDir: string, image: BaseImage): string {
  const hash = createHash('sha256')
    .update(`${image.dir}\n${BOX_FORMAT}\n${BOX_VAGRANTFILE}\n${VAGRANT_INSECURE_PUBLIC_KEY}`)
    .digest('hex')
    .slice(0, 16);
  return join(cacheDir, 'vagrant', `crawl-lab-debian-12-${hash}.box`);
}

export interface ExportedBox {
  file: string;
  bytes: number;
  /** false: the cached file was reused. */
  built: boolean;
}

/** Export `image` (already built) as a libvirt box at `out`; reused when it exists. */
export async function exportBox(
  image: BaseImage,
  o: { out: string; diskMb: number; log: (line: string) => void },
): Promise<ExportedBox> {
  if (existsSync(o.out)) return { file: o.out, bytes: statSync(o.out).size, built: false };
  const log = o.log;
  const partial = `${o.out}.partial`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true });
  const raw = join(partial, 'disk.raw');
  log('box: [1/4] a sparse copy of the base disk');
  await hostRun(['cp', '--sparse=always', image.disk, raw], { log });
  log(`box: [2/4] Vagrant's insecure public key for the ${image.user} user (debugfs, no mount)`);
  await setAuthorizedKeys(raw, image.user, partial, log);
  log('box: [3/4] box.img: the disk as compressed qcow2');
  await hostRun(['qemu-img', 'convert', '-c', '-O', 'qcow2', raw, join(partial, 'box.img')], { log });
  await rm(raw);
  await hostRun(['cp', image.kernel, join(partial, 'vmlinuz')], { log });
  await hostRun(['cp', image.initrd, join(partial, 'initrd.img')], { log });
  await writeFile(join(partial, 'Vagrantfile'), BOX_VAGRANTFILE);
  await writeFile(join(partial, 'metadata.json'), boxMetadata(o.diskMb));
  log(`box: [4/4] ${o.out} (tar of metadata.json, Vagrantfile, box.img, vmlinuz, initrd.img)`);
  const tmp = `${o.out}.tmp`;
  await hostRun(
    ['tar', '-cf', tmp, '-C', partial, 'metadata.json', 'Vagrantfile', 'box.img', 'vmlinuz', 'initrd.img'],
    { log },
  );
  await hostRun(['mv', '-T', tmp, o.out], { log });
  await rm(partial, { recursive: true, force: true });
  return { file: o.out, bytes: statSync(o.out).size, built: true };
}

/** Replace ~user/.ssh/authorized_keys inside the ext4 disk with the insecure key, same owner, mode 0600. */
async function setAuthorizedKeys(
  disk: string,
  user: string,
  workDir: string,
  log: (line: string) => void,
): Promise<void> {
  const sshDir = `/home/${user}/.ssh`;
  const stat = await hostRun(['debugfs', '-R', `stat ${sshDir}`, disk]);
  const owner = /User:\s+(\d+)\s+Group:\s+(\d+)/.exec(stat);
  if (!owner)
    throw new ProviderError(`box: the base image has no ${sshDir} (debugfs stat printed no owner)`, {
      hint: 'the image was built by another recipe: delete its folder under <cache>/qemu and run lab:box again',
    });
  const [, uid, gid] = owner;
  await writeFile(join(workDir, 'authorized_keys'), `${VAGRANT_INSECURE_PUBLIC_KEY}\n`);
  // debugfs reads the host file relative to its working directory: no path to quote
  const script = [
    `cd ${sshDir}`,
    'rm authorized_keys',
    'write authorized_keys authorized_keys',
    `sif authorized_keys uid ${uid}`,
    `sif authorized_keys gid ${gid}`,
    'sif authorized_keys mode 0100600',
    '',
  ].join('\n');
  await writeFile(join(workDir, 'debugfs.cmds'), script);
  await hostRun(['sh', '-c', 'cd "$1" && debugfs -w -f debugfs.cmds "$2"', 'sh', workDir, disk], { log });
  const check = await hostRun(['debugfs', '-R', `cat ${sshDir}/authorized_keys`, disk]);
  if (check.trim() !== VAGRANT_INSECURE_PUBLIC_KEY)
    throw new ProviderError(`box: writing ${sshDir}/authorized_keys into the disk did not take`, {
      hint: 'check that e2fsprogs (debugfs) is installed: apt-get install e2fsprogs',
    });
}
