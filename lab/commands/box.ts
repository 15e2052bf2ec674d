import { resolve } from 'node:path';
import { loadLabConfig } from '../../provision/config/index.ts';
import { labEnv } from '../../provision/lab-env.ts';
import { buildImage, imageRecipe } from '../../provision/providers/qemu/image.ts';
import { DEBIAN_MIRROR, DEBIAN_SUITE } from '../../provision/providers/registry.ts';
import { BOX_FILE_VERSION, BOX_NAME, boxPath, exportBox } from '../../provision/providers/vagrant/box.ts';
import type { LabCommand } from './run-command.ts';

/**
 * lab:box: the qemu provider's base image (built once, offline, cached) as a
 * Vagrant box for the libvirt provider (provision/providers/vagrant/box.ts),
 * then the two steps that put it to use: `vagrant box add` and lab.yaml.
 */
export async function box(o: { out?: string } = {}): Promise<number> {
  const env = labEnv();
  const config = loadLabConfig(env.configPath);
  const log = (line: string) => console.log(line);
  const started = Date.now();
  const recipe = imageRecipe({ suite: DEBIAN_SUITE, mirror: config.mirrors.apt || DEBIAN_MIRROR });
  const image = await buildImage(env.cacheDir, recipe, log);
  const out = o.out ? resolve(o.out) : boxPath(env.cacheDir, image);
  const made = await exportBox(image, { out, diskMb: recipe.diskMb, log });
  const mb = (made.bytes / 1e6).toFixed(0);
  const secs = ((Date.now() - started) / 1000).toFixed(0);
  console.log(
    made.built ? `box: ${made.file} (${mb} MB, ${secs} s)` : `box: ${made.file} (${mb} MB, cached)`,
  );
  console.log('add it to Vagrant (offline, from the file):');
  console.log(`  vagrant box add --force --name ${BOX_NAME} ${made.file}`);
  console.log('then in lab.yaml:');
  console.log(`  provider: vagrant\n  box: ${BOX_NAME}\n  box_version: '${BOX_FILE_VERSION}'`);
  console.log('  libvirt: { driver: qemu }   # only where KVM does not work (nested VMs)');
  console.log(
    'and bring it up: npm run lab:up (with --provider libvirt when libvirt is the hypervisor found)',
  );
  return 0;
}

export const boxCommand: LabCommand = {
  name: 'box',
  usage: `npm run lab:box [-- --out <file>]

Export the lab's Debian 12 VM image (the qemu provider's base image, built once
offline from Debian packages and cached) as a Vagrant box for the libvirt
provider: box.img (qcow2), metadata.json, and the box's own Vagrantfile with
direct kernel boot of the kernel and initrd beside it. The vagrant user has
passwordless sudo and Vagrant's insecure public key. Install it offline with
the \`vagrant box add\` line it prints. Building the image needs root.

  --out <file>   where to write the box @default <cache>/vagrant/crawl-lab-debian-12-<hash>.box`,
  options: { out: { type: 'string' } },
  run: ({ values }) => box(typeof values['out'] === 'string' ? { out: values['out'] } : {}),
};
