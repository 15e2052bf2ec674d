import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { cacheDir } from '../lab-env.ts';

/**
 * The MongoDB-protocol server binary this host can give the lab's stand-in and
 * local masters (no MongoDB packages reach this kind of machine): FerretDB
 * v1.24.2 with its SQLite backend, built with Go into the shared cache
 * (lab-env.ts) with .ci/ferretdb/crawl-lab.patch, or one on PATH.
 */
export const FERRETDB_VERSION = 'v1.24.2';

/** Written next to the binary once it is built with .ci/ferretdb/crawl-lab.patch. */
export const FERRETDB_PATCH_STAMP = '.patched-2';

/** Where the build puts the FerretDB binary: $CRAWL_LAB_CACHE/bin, else ~/.cache/crawl-lab/bin. */
export function ferretdbPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheDir(env), 'bin', 'ferretdb');
}

export const HOW_TO_GET_ONE =
  'set MONGO_URL=mongodb://127.0.0.1:27017 to a server you run, install mongod, or build FerretDB ' +
  `${FERRETDB_VERSION} into the cache as npm test's set-up does (needs Go): see docs/mongodb.md, "A server for the tests"`;

export const NO_SERVER_WHY =
  'no MongoDB-protocol server binary on this machine (FerretDB, see docs/mongodb.md "A server for the tests")';

export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** An executable named `name` on env.PATH. */
export function onPath(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** FerretDB in the cache (what the build makes) or on PATH; undefined when absent. */
export function findMongoServerBinary(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const cached = ferretdbPath(env);
  return isExecutable(cached) ? cached : onPath('ferretdb', env);
}
