import { CrawlError } from '../../common/errors.ts';
import { fetchNodeTarball, type NodeArch, nodeArchOf } from '../node-dist.ts';
import { fetchNodeFromNpm, npmRegistry } from '../node-npm.ts';
import type { Step, Transport } from '../types.ts';

/**
 * Node.js on a VM: the official tarball, downloaded once on the host and
 * checksum-verified (../node-dist.ts), uploaded to the VM and unpacked into
 * `<prefix>` (bin/node, bin/npm, lib/node_modules/npm, …: the layout the
 * tarball has, the way nodejs.org documents installing into /usr/local).
 * Stand-in hosts use nodeRuntime (./crawler.ts) instead: same platform, so they
 * reuse the host's node binary.
 */

export interface NodeDownloadOptions {
  version: string;
  /** lab.yaml mirrors.node; '' = nodejs.org. */
  mirror: string;
  /** Host cache root (default $CRAWL_LAB_CACHE or ~/.cache/crawl-lab). */
  cacheDir?: string;
  /** Install prefix on the machine. @default '/usr/local' (so node is /usr/local/bin/node) */
  prefix?: string;
  /** lab.yaml mirrors.npm: where the fallback finds node-linux-<arch> ('' = this host's npm registry). */
  npmMirror?: string;
}

/** Where the tarball is put on the machine before unpacking; removed afterwards. */
const UPLOAD_DIR = '/var/tmp/crawl-lab';

/**
 * Unpack $1 (top folder $3) into $2 without that folder, owned by root rather
 * than the release builder's uid; the release notes at the top stay out of $2.
 */
const UNPACK = `
tarball=$1; prefix=$2; top=$3
mkdir -p "$prefix"
case "$tarball" in *.tgz) unzip=-z ;; *) unzip=-J ;; esac
tar -x "$unzip" -f "$tarball" -C "$prefix" --strip-components=1 --no-same-owner \\
  --exclude="$top/CHANGELOG.md" --exclude="$top/README.md" --exclude="$top/LICENSE" --exclude="$top/package.json"
rm -f "$tarball"`;

/** `<bin> --version`, or '' when there is no such program yet (spawning a missing file would throw). */
async function versionAt(transport: Transport, bin: string): Promise<string> {
  const r = await transport.run(['sh', '-c', 'if [ -x "$1" ]; then "$1" --version; fi', 'version', bin], {
    nothrow: true,
  });
  return r.exitCode === 0 ? r.stdout.trim() : '';
}

/**
 * The Node.js release for `arch` in the host's cache (downloaded when missing):
 * the official tarball from the mirror, or, when nodejs.org is unreachable and
 * no mirror was chosen, the same release binary from the npm registry. Returns
 * the file and the top folder inside it. Also fills the cache ahead of a
 * lab:up that runs where the host has no way out (the real Vagrant test).
 */
export async function nodeReleaseInCache(
  o: Pick<NodeDownloadOptions, 'version' | 'mirror' | 'cacheDir' | 'npmMirror'> & {
    arch: NodeArch;
    log: (line: string) => void;
  },
): Promise<{ path: string; top: string }> {
  const cache = o.cacheDir === undefined ? {} : { cacheDir: o.cacheDir };
  try {
    const { path } = await fetchNodeTarball({
      version: o.version,
      arch: o.arch,
      mirror: o.mirror,
      ...cache,
      log: o.log,
    });
    return { path, top: `node-${o.version}-linux-${o.arch}` };
  } catch (error) {
    // nodejs.org unreachable (no mirror chosen): the same release binary from the npm registry
    if (o.mirror !== '') throw error;
    const registry = npmRegistry(process.env, o.npmMirror);
    o.log(
      `nodejs.org unreachable (${(error as Error).message.split('\n')[0]}); using node-linux-${o.arch}@${o.version.slice(1)} from ${registry}`,
    );
    return fetchNodeFromNpm({ version: o.version, arch: o.arch, registry, ...cache, log: o.log });
  }
}

export function nodeDownload(o: NodeDownloadOptions): Step {
  const prefix = o.prefix ?? '/usr/local';
  const nodeBin = `${prefix}/bin/node`;
  return {
    id: 'node-download',
    appliesTo: () => true,
    async run({ transport, log }) {
      if ((await versionAt(transport, nodeBin)) === o.version) return { status: 'ok' };
      const uname = (await transport.run(['uname', '-m'])).stdout.trim();
      const arch = nodeArchOf(uname);
      if (!arch) {
        throw new CrawlError(
          'CRAWL_E_PROVISION',
          `${transport.node.name} is a ${uname} machine; Node.js ships Linux builds for x86_64 and aarch64 only`,
          { hint: 'use a box for amd64 or arm64 (lab.yaml box)' },
        );
      }
      const { path: local, top } = await nodeReleaseInCache({ ...o, arch, log });
      const remote = `${UPLOAD_DIR}/${top}${local.endsWith('.tgz') ? '.tgz' : '.tar.xz'}`;
      await transport.copy(local, remote);
      await transport.run(['bash', '-euo', 'pipefail', '-c', UNPACK, 'unpack', remote, prefix, top], {
        timeoutMs: 300_000,
      });
      const now = await versionAt(transport, nodeBin);
      if (now !== o.version) {
        throw new CrawlError(
          'CRAWL_E_PROVISION',
          `after unpacking Node ${o.version} into ${prefix}, \`${nodeBin} --version\` says ${JSON.stringify(now)}`,
          {
            hint: `look for another node earlier on PATH or a damaged ${prefix}; remove ${nodeBin} and run lab:up again`,
          },
        );
      }
      log(`node ${o.version} (${arch}) installed in ${prefix}`);
      return { status: 'changed' };
    },
  };
}
