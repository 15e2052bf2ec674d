import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where a lab is, resolved once for every lab command from the environment
 * (docs/lab-config.md, "Several labs on one machine"). Options win over the
 * environment, the environment over the defaults. The env object is a
 * parameter so tests pass their own.
 *
 *   LAB_CONFIG       lab.yaml to read                 @default lab.yaml at the repository root
 *   LAB_ID           names the lab's bridge, namespaces, VMs (1-7 of [a-z0-9])  @default 'lab'
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
export const DEFAULT_LAB_ID = 'lab';

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
