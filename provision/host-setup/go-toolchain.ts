import { execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { arch, platform } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { CrawlError } from '../../common/errors.ts';
import { type HostEnv, which } from '../host-probe.ts';
import { cacheDir } from '../lab-env.ts';
import { execArgv } from '../transports/exec.ts';
import { ensureHostPackages } from './packages.ts';

/**
 * Go, for building the MongoDB-protocol server (ferretdb.ts). A Go on PATH or
 * in /usr/local/go is used when it is new enough to fetch the toolchain
 * FerretDB asks for itself (Go 1.21+, GOTOOLCHAIN). Debian 12's apt has only
 * Go 1.19, so where no such Go exists the official toolchain is fetched the
 * way the go command itself fetches one: as the module
 * golang.org/toolchain from the Go module proxy, unpacked into the shared
 * cache once.
 */

/** The toolchain fetched when this host has no usable Go (FerretDB v1.24 needs Go 1.24). */
export const GO_TOOLCHAIN = 'go1.24.13';
/** The oldest Go that fetches a newer toolchain by itself. */
const GO_SELF_UPDATING = [1, 21] as const;
/** Where Go lives when it is not on PATH (the official tarball's place). */
const GO_DIRS = ['/usr/local/go/bin'];

/** The folder the fetched toolchain is unpacked into (its GOROOT). */
export function cachedGoRoot(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheDir(env), 'go', GO_TOOLCHAIN);
}

function goVersion(go: string): [number, number] | undefined {
  try {
    const out = execFileSync(go, ['version'], { encoding: 'utf8', timeout: 10_000 });
    const m = /go(\d+)\.(\d+)/.exec(out);
    return m ? [Number(m[1]), Number(m[2])] : undefined;
  } catch {
    return undefined;
  }
}

/** A Go that can build FerretDB: one on PATH (or /usr/local/go) new enough, else the fetched one; undefined when none. */
export function findGo(env: HostEnv = process.env): string | undefined {
  const system = which('go', env, GO_DIRS);
  if (system) {
    const v = goVersion(system);
    if (v && (v[0] > GO_SELF_UPDATING[0] || (v[0] === GO_SELF_UPDATING[0] && v[1] >= GO_SELF_UPDATING[1])))
      return system;
  }
  const cached = join(cachedGoRoot(env as NodeJS.ProcessEnv), 'bin', 'go');
  return existsSync(cached) ? cached : undefined;
}

/** The module proxy to fetch from: the first https entry of GOPROXY, else proxy.golang.org. */
export function goProxy(env: HostEnv = process.env): string {
  const first = (env['GOPROXY'] ?? '').split(/[,|]/).find((p) => p.startsWith('https://'));
  return (first ?? 'https://proxy.golang.org').replace(/\/+$/, '');
}

/** The toolchain's module zip on the proxy, for this host. */
export function goToolchainUrl(env: HostEnv = process.env, cpu: string = arch()): string {
  const goArch = { x64: 'amd64', arm64: 'arm64' }[cpu];
  if (platform() !== 'linux' || !goArch)
    throw new CrawlError('CRAWL_E_PREREQ', `no Go toolchain to fetch for ${platform()}/${cpu}`, {
      hint: 'install Go 1.21 or newer (https://go.dev/doc/install)',
    });
  return `${goProxy(env)}/golang.org/toolchain/@v/v0.0.1-${GO_TOOLCHAIN}.linux-${goArch}.zip`;
}

/** Fetch and unpack the toolchain into the cache (about 75 MB, once); returns its go binary. */
export async function fetchGo(
  log: (line: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const root = cachedGoRoot(env);
  const go = join(root, 'bin', 'go');
  if (existsSync(go)) return go;
  const url = goToolchainUrl(env);
  await ensureHostPackages([{ tool: 'unzip', pkg: 'unzip', why: 'unpacking the Go toolchain' }], { log });
  log(`fetching Go (${GO_TOOLCHAIN}) from the Go module proxy: ${url} (about 75 MB, once)`);
  mkdirSync(dirname(root), { recursive: true });
  const work = mkdtempSync(join(dirname(root), '.fetch-'));
  try {
    const response = await fetch(url).catch((error: unknown) => {
      // undici says only "fetch failed"; the reason (DNS, TLS, refused) is its cause
      const cause =
        error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
      throw new CrawlError('CRAWL_E_PREREQ', `fetching Go: ${url}: ${cause}`, {
        hint: 'check this host reaches the Go module proxy (GOPROXY; behind a TLS proxy, NODE_EXTRA_CA_CERTS names its CA), or install Go 1.21+ from https://go.dev/doc/install',
      });
    });
    if (!response.ok || !response.body)
      throw new CrawlError('CRAWL_E_PREREQ', `fetching Go: ${url} answered ${response.status}`, {
        hint: 'check this host reaches the Go module proxy (GOPROXY), or install Go 1.21+ from https://go.dev/doc/install',
      });
    const zip = join(work, 'go.zip');
    await pipeline(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), createWriteStream(zip));
    const unzip = await execArgv(['unzip', '-q', zip, '-d', work], { node: 'host', nothrow: true });
    if (unzip.exitCode !== 0)
      throw new CrawlError('CRAWL_E_PREREQ', `unpacking ${url} failed: ${unzip.stderr.trim()}`);
    const target = url.slice(url.lastIndexOf('.linux-') + 1, -'.zip'.length);
    renameSync(join(work, 'golang.org', `toolchain@v0.0.1-${GO_TOOLCHAIN}.${target}`), root);
    log(`Go ${GO_TOOLCHAIN} in ${root}`);
    return go;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
