import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CrawlError } from '../common/errors.ts';
import { crawlLabCache, type NodeArch } from './node-dist.ts';

/**
 * The same Node.js release binary from the npm registry, for machines that
 * reach npm but not nodejs.org (this project's CI kind): the package
 * `node-linux-<arch>@<version>` (the one the `node` npm package installs)
 * holds the official build's bin/node. Checked against the registry's sha512
 * integrity, cached beside the nodejs.org tarballs. It has no npm; the lab
 * needs only node on the VMs.
 */

/** The registry this host's npm uses (npm_config_registry), else the public one. */
export function npmRegistry(env: NodeJS.ProcessEnv = process.env, configured = ''): string {
  return (configured || env['npm_config_registry'] || 'https://registry.npmjs.org').replace(/\/+$/, '');
}

export interface NpmNodeTarball {
  path: string;
  /** tar's top folder inside the .tgz. */
  top: 'package';
  fromCache: boolean;
}

function sri(data: Buffer): string {
  return `sha512-${createHash('sha512').update(data).digest('base64')}`;
}

function fail(message: string, hint: string, cause?: unknown): CrawlError {
  return new CrawlError('CRAWL_E_PROVISION', message, { hint, cause });
}

export async function fetchNodeFromNpm(o: {
  version: string;
  arch: NodeArch;
  registry: string;
  cacheDir?: string;
  log?: (line: string) => void;
}): Promise<NpmNodeTarball> {
  const name = `node-linux-${o.arch}`;
  const bare = o.version.replace(/^v/, '');
  const dir = join(o.cacheDir ?? crawlLabCache(), 'node', o.version);
  const path = join(dir, `${name}-${o.version}.npm.tgz`);
  const integrityPath = `${path}.integrity`;
  const hint = `the npm registry ${o.registry} must serve ${name}@${bare} (lab.yaml mirrors.npm), or set mirrors.node to a Node.js mirror`;
  await mkdir(dir, { recursive: true });
  if (existsSync(path) && existsSync(integrityPath)) {
    const want = (await readFile(integrityPath, 'utf8')).trim();
    if (sri(await readFile(path)) === want) return { path, top: 'package', fromCache: true };
    await rm(path, { force: true });
  }
  const metaUrl = `${o.registry}/${name}/${bare}`;
  let meta: { dist?: { tarball?: string; integrity?: string } };
  try {
    const res = await fetch(metaUrl, { signal: AbortSignal.timeout(30_000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    meta = (await res.json()) as typeof meta;
  } catch (cause) {
    throw fail(`could not read ${metaUrl}: ${(cause as Error).message}`, hint, cause);
  }
  const { tarball, integrity } = meta.dist ?? {};
  if (!tarball || !integrity?.startsWith('sha512-'))
    throw fail(`${metaUrl} has no tarball with a sha512 integrity`, hint);
  o.log?.(`downloading ${tarball}`);
  let data: Buffer;
  try {
    const res = await fetch(tarball);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    data = Buffer.from(await res.arrayBuffer());
  } catch (cause) {
    throw fail(`could not download ${tarball}: ${(cause as Error).message}`, hint, cause);
  }
  const have = sri(data);
  if (have !== integrity)
    throw fail(
      `integrity mismatch for ${tarball}: the registry says ${integrity}, the download is ${have}; nothing was kept`,
      hint,
    );
  const part = `${path}.part-${randomBytes(4).toString('hex')}`;
  await writeFile(part, data);
  await rename(part, path);
  await writeFile(integrityPath, `${integrity}\n`);
  o.log?.(`verified ${name}@${bare} (sha512 from the registry), cached in ${dir}`);
  return { path, top: 'package', fromCache: false };
}
