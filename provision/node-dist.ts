import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CrawlError } from '../common/errors.ts';
import { cacheDir } from './lab-env.ts';

/**
 * The Node.js runtime for VMs, fetched ONCE on the host: the official tarball
 * from a mirror, checked against the release's SHASUMS256.txt, kept in a cache
 * folder, then uploaded to every VM (provision/steps/node-download.ts). A VM
 * never downloads Node itself, so three VMs cost one download.
 */

/**
 * THE pinned runtime for VMs: the current LTS line (24, "Krypton").
 * Change it here and nowhere else; stand-in hosts reuse the host's node instead.
 */
export const NODE_LTS_VERSION = 'v24.11.1';

/** The official release server; lab.yaml `mirrors.node` replaces it (same folder layout). */
export const NODE_DEFAULT_MIRROR = 'https://nodejs.org/dist';

export type NodeArch = 'x64' | 'arm64';

/** `uname -m` of the machine → Node's name for the architecture; undefined when Node ships no build for it. */
export function nodeArchOf(unameM: string): NodeArch | undefined {
  const m = unameM.trim();
  if (m === 'x86_64' || m === 'amd64') return 'x64';
  if (m === 'aarch64' || m === 'arm64') return 'arm64';
  return undefined;
}

export function nodeTarballName(version: string, arch: NodeArch): string {
  return `node-${version}-linux-${arch}.tar.xz`;
}

/** $CRAWL_LAB_CACHE, else ~/.cache/crawl-lab (lab-env.ts; the FerretDB binary and root filesystems live there too). */
export const crawlLabCache = cacheDir;

export interface NodeDistOptions {
  version: string;
  arch: NodeArch;
  /** Base URL holding `<version>/SHASUMS256.txt` and the tarballs; '' = nodejs.org. */
  mirror?: string;
  /** Cache root; the tarballs go to `<cacheDir>/node/<version>/`. Default crawlLabCache(). */
  cacheDir?: string;
  /** Progress lines (one when a download starts, one when it is verified). */
  log?: (line: string) => void;
}

export interface NodeTarball {
  path: string;
  sha256: string;
  /** true when nothing was downloaded. */
  fromCache: boolean;
}

/** The expected SHA-256 of `file` in a SHASUMS256.txt text, or undefined. */
export function expectedSha256(shasums: string, file: string): string | undefined {
  for (const line of shasums.split('\n')) {
    const m = /^([0-9a-f]{64})\s+\*?(\S+)$/.exec(line.trim());
    if (m && m[2] === file) return m[1];
  }
  return undefined;
}

async function sha256File(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}

function fail(message: string, hint: string, cause?: unknown): CrawlError {
  return new CrawlError('CRAWL_E_PROVISION', message, { hint, cause });
}

async function get(url: string, mirrorHint: string): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, { redirect: 'follow' });
  } catch (cause) {
    throw fail(`could not download ${url}: ${(cause as Error).message}`, mirrorHint, cause);
  }
  if (!res.ok || !res.body) {
    await res.body?.cancel();
    throw fail(`could not download ${url}: HTTP ${res.status}`, mirrorHint);
  }
  return res;
}

/** Write `url` to `dest` through a temp file renamed at the end: an interrupted download leaves nothing. */
async function download(url: string, dest: string, mirrorHint: string): Promise<string> {
  const res = await get(url, mirrorHint);
  const part = `${dest}.part-${randomBytes(4).toString('hex')}`;
  const hash = createHash('sha256');
  const hashing = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(res.body as never), hashing, createWriteStream(part, { mode: 0o644 }));
  } catch (cause) {
    await rm(part, { force: true });
    throw fail(
      `the download of ${url} was interrupted: ${(cause as Error).message}; nothing was kept`,
      `run the command again; if it keeps failing, set mirrors.node in lab.yaml to a closer mirror. ${mirrorHint}`,
      cause,
    );
  }
  await rename(part, dest);
  return hash.digest('hex');
}

/**
 * The verified tarball in the cache, downloading it (and the release's
 * SHASUMS256.txt) only when the cache lacks it. A checksum mismatch deletes the
 * downloaded file and throws; an interrupted download leaves no file behind.
 */
export async function fetchNodeTarball(o: NodeDistOptions): Promise<NodeTarball> {
  const mirror = (o.mirror || NODE_DEFAULT_MIRROR).replace(/\/+$/, '');
  const dir = join(o.cacheDir ?? crawlLabCache(), 'node', o.version);
  const file = nodeTarballName(o.version, o.arch);
  const path = join(dir, file);
  const sumsPath = join(dir, 'SHASUMS256.txt');
  const mirrorHint = `the mirror is ${mirror} (lab.yaml mirrors.node; empty = ${NODE_DEFAULT_MIRROR}); it must serve ${o.version}/SHASUMS256.txt and ${o.version}/${file}`;
  await mkdir(dir, { recursive: true });

  if (existsSync(path) && existsSync(sumsPath)) {
    const want = expectedSha256(await readFile(sumsPath, 'utf8'), file);
    const have = await sha256File(path);
    if (want === have) return { path, sha256: have, fromCache: true };
    // a damaged cache entry is not trusted: fetch it again
    await rm(path, { force: true });
  }

  const sumsUrl = `${mirror}/${o.version}/SHASUMS256.txt`;
  const sums = await (await get(sumsUrl, mirrorHint)).text();
  const want = expectedSha256(sums, file);
  if (!want) {
    throw fail(
      `${sumsUrl} lists no checksum for ${file}`,
      `check that Node ${o.version} has a linux-${o.arch} build; ${mirrorHint}`,
    );
  }
  const url = `${mirror}/${o.version}/${file}`;
  o.log?.(`downloading ${url}`);
  const part = `${path}.verify-${randomBytes(4).toString('hex')}`;
  const have = await download(url, part, mirrorHint);
  if (have !== want) {
    await rm(part, { force: true });
    throw fail(
      `checksum mismatch for ${file} from ${url}: SHASUMS256.txt says ${want}, the download hashes to ${have}; the file was deleted`,
      `the mirror served a damaged or different file: run again, or set mirrors.node in lab.yaml to another mirror. ${mirrorHint}`,
    );
  }
  await writeFile(sumsPath, sums);
  await rename(part, path);
  o.log?.(`verified ${file} (sha256 ${have.slice(0, 12)}…), cached in ${dir}`);
  return { path, sha256: have, fromCache: false };
}
