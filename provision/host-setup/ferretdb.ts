import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CrawlError } from '../../common/errors.ts';
import { which } from '../host-probe.ts';
import { REPO_ROOT } from '../lab-env.ts';
import {
  FERRETDB_PATCH_STAMP,
  FERRETDB_VERSION,
  ferretdbPath,
  isExecutable,
} from '../steps/mongodb-binary.ts';
import { execArgv } from '../transports/exec.ts';
import { fetchGo, findGo } from './go-toolchain.ts';

/**
 * Build the MongoDB-protocol server the stand-ins, local labs and tests use:
 * FerretDB v1.24.2 (SQLite backend) with Go, from the Go module proxy, into
 * the shared cache, once (docs/mongodb.md). Its module zip lacks the generated
 * build/version/version.txt, so it is built from a writable copy with that file
 * written, and with .ci/ferretdb/crawl-lab.patch applied (two FerretDB v1 bugs
 * a distributed crawl hits: _id lookups missed the index, and concurrent
 * updates of one document lost changes).
 */
const MODULE = 'github.com/FerretDB/FerretDB';
export const FERRETDB_PATCH = join(REPO_ROOT, '.ci/ferretdb/crawl-lab.patch');

/** The cached build exists and carries the current patch. */
export function ferretdbBuilt(env: NodeJS.ProcessEnv = process.env): boolean {
  const bin = ferretdbPath(env);
  return isExecutable(bin) && existsSync(bin + FERRETDB_PATCH_STAMP);
}

async function step(argv: string[], cwd: string, what: string): Promise<string> {
  const r = await execArgv(argv, { node: 'host', cwd, nothrow: true, timeoutMs: 20 * 60_000 });
  if (r.exitCode !== 0)
    throw new CrawlError(
      'CRAWL_E_PREREQ',
      `building FerretDB ${FERRETDB_VERSION}: ${what} failed (exit ${r.exitCode})`,
      {
        hint: `${r.stderr.trim().split('\n').slice(-3).join(' | ')}; or set MONGO_URL to a MongoDB server you run (docs/mongodb.md)`,
      },
    );
  return r.stdout;
}

/** Build FerretDB into the cache (a few minutes); returns the binary's path. */
export async function buildFerretdb(
  log: (line: string) => void,
  env: NodeJS.ProcessEnv = process.env,
  o: { fetchGo?: boolean } = {},
): Promise<string> {
  const go = findGo(env) ?? (o.fetchGo ? await fetchGo(log, env) : undefined);
  const git = which('git', env);
  if (!go || !git)
    throw new CrawlError(
      'CRAWL_E_PREREQ',
      `building FerretDB ${FERRETDB_VERSION} needs ${!go ? 'Go' : 'git'}, which this host lacks`,
      {
        hint: !go
          ? 'install Go 1.21 or newer (https://go.dev/doc/install, into /usr/local/go), run npm run lab:doctor -- --fix as root (it fetches Go), or set MONGO_URL to a MongoDB server you run'
          : 'apt-get install -y git',
      },
    );
  const bin = ferretdbPath(env);
  log(`building FerretDB ${FERRETDB_VERSION} into ${bin} (a few minutes, once)`);
  const mod = mkdtempSync(join(tmpdir(), 'crawl-lab-ferretdb-mod-'));
  const build = mkdtempSync(join(tmpdir(), 'crawl-lab-ferretdb-build-'));
  try {
    await step([go, 'mod', 'init', 'crawl-lab/ferretdb-build'], mod, 'go mod init');
    const info = JSON.parse(
      await step([go, 'mod', 'download', '-json', `${MODULE}@${FERRETDB_VERSION}`], mod, 'go mod download'),
    ) as { Dir?: string };
    if (!info.Dir) throw new CrawlError('CRAWL_E_PREREQ', 'go mod download gave no module folder');
    await step(['cp', '-r', `${info.Dir}/.`, build], mod, 'copying the module');
    await step(['chmod', '-R', 'u+w', build], mod, 'making the copy writable');
    writeFileSync(join(build, 'build/version/version.txt'), `${FERRETDB_VERSION}\n`);
    await step([git, 'apply', FERRETDB_PATCH], build, 'applying .ci/ferretdb/crawl-lab.patch');
    mkdirSync(dirname(bin), { recursive: true });
    await step([go, 'build', '-trimpath', '-o', bin, './cmd/ferretdb'], build, 'go build');
    chmodSync(bin, 0o755);
    writeFileSync(bin + FERRETDB_PATCH_STAMP, '');
    log(`built ${bin}`);
    return bin;
  } finally {
    // Go marks its module cache read-only; the copies here are ours
    await execArgv(['chmod', '-R', 'u+w', mod], { node: 'host', nothrow: true });
    rmSync(mod, { recursive: true, force: true });
    rmSync(build, { recursive: true, force: true });
  }
}
