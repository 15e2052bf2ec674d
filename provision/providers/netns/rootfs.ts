import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LabNode } from '../../types.ts';

/**
 * Debian root filesystems for stand-in hosts: debootstrap once into a cache
 * outside the repository, then one copy per node. The cache is built in
 * `<name>.partial` and renamed when complete, so an interrupted build is
 * never mistaken for a good one (and the next run starts it again).
 */

export interface RootfsOptions {
  /** Folder holding the built filesystem, e.g. ~/.cache/crawl-lab (lab-env.ts cacheDir, outside the repo). */
  cacheDir: string;
  /** Debian mirror for debootstrap, e.g. http://deb.debian.org/debian */
  mirror: string;
  /** Debian suite. */
  suite: string;
}

export function cachePath(o: RootfsOptions): string {
  return join(o.cacheDir, `rootfs-${o.suite}`);
}

/** The commands that build the cache; each is an argv run on the host. */
export function buildCommands(o: RootfsOptions): string[][] {
  const done = cachePath(o);
  const partial = `${done}.partial`;
  return [
    ['mkdir', '-p', o.cacheDir],
    ['rm', '-rf', '--one-file-system', partial],
    ['debootstrap', '--variant=minbase', o.suite, partial, o.mirror],
    // Packages must not start daemons while being installed (no init system runs here),
    // exactly as in a Debian chroot: policy-rc.d exiting 101 means "not now".
    [
      'sh',
      '-c',
      'printf "#!/bin/sh\\nexit 101\\n" > "$1" && chmod 755 "$1"',
      'sh',
      `${partial}/usr/sbin/policy-rc.d`,
    ],
    ['mv', '-T', partial, done],
  ];
}

export function isBuilt(o: RootfsOptions): boolean {
  return existsSync(join(cachePath(o), 'usr/sbin/policy-rc.d'));
}

/** Copy for one node: reflink where the filesystem can, a full copy otherwise. */
export function copyCommands(o: RootfsOptions, target: string): string[][] {
  return [
    ['rm', '-rf', '--one-file-system', `${target}.partial`],
    ['mkdir', '-p', join(target, '..')],
    ['cp', '-a', '--reflink=auto', cachePath(o), `${target}.partial`],
    ['mv', '-T', `${target}.partial`, target],
  ];
}

/** Hostname and the lab's names in /etc/hosts, like a VM with its host-only network. */
export async function writeIdentity(target: string, node: LabNode, nodes: readonly LabNode[]): Promise<void> {
  await writeFile(join(target, 'etc/hostname'), `${node.name}\n`);
  const hostsPath = join(target, 'etc/hosts');
  // debootstrap writes no /etc/hosts; keep whatever is there above our block
  const current = existsSync(hostsPath) ? await readFile(hostsPath, 'utf8') : '127.0.0.1\tlocalhost\n';
  const base = current.split('\n# crawl-lab nodes')[0]?.trimEnd() ?? '';
  const lab = nodes.map((n) => `${n.ip}\t${n.name}`).join('\n');
  await writeFile(hostsPath, `${base}\n# crawl-lab nodes\n${lab}\n`);
}
