import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ProviderError } from '../../transports/errors.ts';
import { BOOT_SCRIPT, BOOT_SCRIPT_PATH, BOOT_UNIT, BOOT_UNIT_TEXT, INTERFACES } from './guest-boot.ts';
import { hostRun } from './host-run.ts';

/**
 * The base image every qemu VM boots, built once, offline from Debian packages
 * (no cloud image download): debootstrap a minbase Debian with systemd, sshd,
 * ifupdown and the cloud kernel, add a Vagrant-style `vagrant` user with the
 * lab's key and passwordless sudo, then `mke2fs -d` the tree into a raw ext4
 * disk (no loop device, no mount). The kernel and initrd sit beside it for
 * direct kernel boot, so the disk needs no partitions or bootloader.
 *
 * Cached outside the repository under <cache>/qemu/base-<suite>-<hash>, the
 * hash taken over the whole recipe (packages, user, guest files, size): a
 * changed recipe builds a new image. Built in `<dir>.partial`, renamed when
 * complete, so an interrupted build is never taken for a good one.
 */

export interface ImageRecipe {
  suite: string;
  mirror: string;
  packages: readonly string[];
  user: string;
  diskMb: number;
}

/** What the image holds besides minbase; rsync and xz-utils serve the lab's uploads (crawler, Node tarball). */
export const IMAGE_PACKAGES: readonly string[] = [
  'systemd-sysv',
  'dbus',
  'openssh-server',
  'sudo',
  'iproute2',
  'ifupdown',
  'isc-dhcp-client',
  'netbase',
  'ca-certificates',
  'linux-image-cloud-amd64',
  'rsync',
  'xz-utils',
  'procps',
];

export const IMAGE_USER = 'vagrant';
/** Sparse: the raw file takes only what is written; overlays grow on top. */
export const IMAGE_DISK_MB = 4096;

export function imageRecipe(o: { suite: string; mirror: string }): ImageRecipe {
  return {
    suite: o.suite,
    mirror: o.mirror,
    packages: IMAGE_PACKAGES,
    user: IMAGE_USER,
    diskMb: IMAGE_DISK_MB,
  };
}

export function recipeHash(r: ImageRecipe): string {
  return createHash('sha256')
    .update(JSON.stringify({ ...r, guest: [BOOT_SCRIPT, BOOT_UNIT_TEXT, INTERFACES] }))
    .digest('hex');
}

export interface BaseImage {
  dir: string;
  disk: string;
  kernel: string;
  initrd: string;
  /** The private key of the `vagrant` user (the public half is in the image). */
  key: string;
  user: string;
}

export function imagePaths(cacheDir: string, r: ImageRecipe): BaseImage {
  const dir = join(cacheDir, 'qemu', `base-${r.suite}-${recipeHash(r).slice(0, 16)}`);
  return {
    dir,
    disk: join(dir, 'disk.raw'),
    kernel: join(dir, 'vmlinuz'),
    initrd: join(dir, 'initrd.img'),
    key: join(dir, 'id_ed25519'),
    user: r.user,
  };
}

export function isImageBuilt(img: BaseImage): boolean {
  return [img.disk, img.kernel, img.initrd, img.key, join(img.dir, 'recipe.json')].every((f) =>
    existsSync(f),
  );
}

/** Build the image (root: debootstrap and chroot). Progress goes to `log` line by line. */
export async function buildImage(
  cacheDir: string,
  r: ImageRecipe,
  log: (line: string) => void,
): Promise<BaseImage> {
  const img = imagePaths(cacheDir, r);
  if (isImageBuilt(img)) return img;
  if (process.getuid?.() !== 0)
    throw new ProviderError('qemu: building the base image needs root (debootstrap and chroot)', {
      hint: 'run lab:up once as root (sudo -E npm run lab:up) to build it; later labs reuse it from the cache',
    });
  const started = Date.now();
  const partial = `${img.dir}.partial`;
  const rootfs = join(partial, 'rootfs');
  log(`qemu: building the base image ${img.dir} (once; about 5 minutes)`);
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true });
  log('qemu: [1/4] debootstrap Debian with systemd, sshd and the cloud kernel');
  await hostRun(
    ['debootstrap', '--variant=minbase', `--include=${r.packages.join(',')}`, r.suite, rootfs, r.mirror],
    { log, stream: true },
  );
  log(`qemu: [2/4] login user ${r.user}, lab key, network and boot unit`);
  await hostRun(
    ['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'crawl-lab', '-f', join(partial, 'id_ed25519')],
    {
      log,
    },
  );
  await configureRootfs(rootfs, r.user, join(partial, 'id_ed25519.pub'), log);
  log('qemu: [3/4] kernel and initrd for direct kernel boot');
  const boot = readdirSync(join(rootfs, 'boot'));
  const vmlinuz = boot.find((f) => f.startsWith('vmlinuz-'));
  const initrd = boot.find((f) => f.startsWith('initrd.img-'));
  if (!vmlinuz || !initrd)
    throw new ProviderError(`qemu: the image has no kernel or initrd in /boot (found: ${boot.join(', ')})`, {
      hint: `delete ${partial} and run lab:up again; check that linux-image-cloud-amd64 installed`,
    });
  await hostRun(['cp', join(rootfs, 'boot', vmlinuz), join(partial, 'vmlinuz')], { log });
  await hostRun(['cp', join(rootfs, 'boot', initrd), join(partial, 'initrd.img')], { log });
  log(`qemu: [4/4] ext4 disk image from the tree (mke2fs -d, ${r.diskMb} MB sparse)`);
  const disk = join(partial, 'disk.raw');
  await hostRun(['truncate', '-s', `${r.diskMb}M`, disk], { log });
  await hostRun(['mke2fs', '-q', '-t', 'ext4', '-L', 'crawl-lab', '-d', rootfs, '-F', disk], { log });
  await rm(rootfs, { recursive: true, force: true });
  await writeFile(
    join(partial, 'recipe.json'),
    `${JSON.stringify({ ...r, hash: recipeHash(r) }, null, 2)}\n`,
  );
  await rm(img.dir, { recursive: true, force: true });
  await hostRun(['mv', '-T', partial, img.dir], { log });
  log(`qemu: base image ready in ${Math.round((Date.now() - started) / 1000)} s`);
  return img;
}

async function configureRootfs(
  rootfs: string,
  user: string,
  pubKey: string,
  log: (line: string) => void,
): Promise<void> {
  const at = (p: string) => join(rootfs, p);
  await hostRun(['chroot', rootfs, 'useradd', '-m', '-s', '/bin/bash', '-G', 'sudo', user], { log });
  await writeFile(at(`etc/sudoers.d/${user}`), `${user} ALL=(ALL) NOPASSWD:ALL\n`, { mode: 0o440 });
  const ssh = at(`home/${user}/.ssh`);
  await mkdir(ssh, { recursive: true, mode: 0o700 });
  await hostRun(['cp', pubKey, join(ssh, 'authorized_keys')], { log });
  await hostRun(['chroot', rootfs, 'chown', '-R', `${user}:${user}`, `/home/${user}/.ssh`], { log });
  await chmod(join(ssh, 'authorized_keys'), 0o600);
  await writeFile(at('etc/network/interfaces'), INTERFACES);
  await mkdir(at('etc/network/interfaces.d'), { recursive: true });
  await writeFile(at('etc/fstab'), '/dev/vda / ext4 defaults,errors=remount-ro 0 1\n');
  await writeFile(at('etc/hostname'), 'crawl-lab\n');
  await writeFile(at(BOOT_SCRIPT_PATH.slice(1)), BOOT_SCRIPT, { mode: 0o755 });
  await writeFile(at(`etc/systemd/system/${BOOT_UNIT}`), BOOT_UNIT_TEXT);
  await mkdir(at('etc/systemd/system/sysinit.target.wants'), { recursive: true });
  await symlink(
    `/etc/systemd/system/${BOOT_UNIT}`,
    at(`etc/systemd/system/sysinit.target.wants/${BOOT_UNIT}`),
  );
  // every VM makes its own host keys and machine id at first boot
  await hostRun(['sh', '-c', 'rm -f "$1"/etc/ssh/ssh_host_*', 'sh', rootfs], { log });
  await writeFile(at('etc/machine-id'), '');
  // apt's daily timers would take the dpkg lock just when lab:up installs Redis
  for (const timer of ['apt-daily.timer', 'apt-daily-upgrade.timer'])
    await symlink('/dev/null', at(`etc/systemd/system/${timer}`)).catch(() => {});
  await hostRun(['sh', '-c', 'rm -rf "$1"/var/cache/apt/archives/*.deb', 'sh', rootfs], { log });
}
