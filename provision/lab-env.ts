import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where a lab is, resolved once for every lab command from the environment
 * (docs/lab-config.md, "Several labs on one machine"). Options win over the
 * environment, the environment over the defaults. The env object is a
 * parameter so tests pass their own.
 *
 *   LAB_CONFIG       lab.yaml to read                 @default lab.yaml at the repository root
 *   LAB_ID           names the lab's bridge, namespaces, VMs (1-7 of [a-z0-9])
 *                    @default defaultLabId(REPO_ROOT): this checkout's own, e.g. 'mai3f0c'
 *   LAB_STATE        the lab's state folder (secrets, provider state, node files)  @default .lab/ in the repository
 *   CRAWL_LAB_CACHE  built once, shared by every lab: Debian root filesystems, VM images,
 *                    Node.js tarballs, the MongoDB-protocol server binary  @default ~/.cache/crawl-lab
 */
export interface LabEnv {
  configPath: string;
  labId: string;
  stateDir: string;
  cacheDir: string;
}

/** The repository root (the Vagrantfile, lab.yaml and dist/ live there). */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DEFAULT_LAB_CONFIG = join(REPO_ROOT, 'lab.yaml');
export const DEFAULT_STATE_DIR = join(REPO_ROOT, '.lab');

/**
 * The lab id of a checkout that sets no LAB_ID: up to three letters or digits
 * of its folder's name (readable: `main` gives `mai`), then a hash of its real
 * path (unique: two clones on one host never share bridges, namespaces or VMs),
 * 7 characters in all, the same on every run (issue 12).
 */
export function defaultLabId(root: string = REPO_ROOT): string {
  let real = resolve(root);
  try {
    real = realpathSync.native(real);
  } catch {
    // a checkout that is not there (tests): its path as given
  }
  const word = basename(real)
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '')
    .slice(0, 3);
  const hash = createHash('sha256').update(`crawl-lab-checkout:${real}`).digest('hex');
  return `${word}${hash.slice(0, 7 - word.length)}`;
}

/** This checkout's lab id (defaultLabId of the repository root). */
export const DEFAULT_LAB_ID = defaultLabId();

/** The shared cache folder: $CRAWL_LAB_CACHE, else ~/.cache/crawl-lab. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env['CRAWL_LAB_CACHE'] || join(homedir(), '.cache', 'crawl-lab');
}

export function labEnv(options: Partial<LabEnv> = {}, env: NodeJS.ProcessEnv = process.env): LabEnv {
  return {
    configPath: resolve(options.configPath ?? (env['LAB_CONFIG'] || DEFAULT_LAB_CONFIG)),
    labId: options.labId ?? (env['LAB_ID'] || DEFAULT_LAB_ID),
    stateDir: resolve(options.stateDir ?? (env['LAB_STATE'] || DEFAULT_STATE_DIR)),
    cacheDir: options.cacheDir ?? cacheDir(env),
  };
}
