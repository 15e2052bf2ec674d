import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError } from '../common/errors.ts';
import { type LabEnv, REPO_ROOT } from './lab-env.ts';

/**
 * Which checkout owns which lab on this host (issue 12: two clones shared the
 * `clab-lab` names, and one's lab:destroy would have deleted the other's lab).
 * lab:up writes a claim for its LAB_ID in the cache every lab shares
 * (<CRAWL_LAB_CACHE>/labs/<id>.json); lab:up, lab:down and lab:destroy refuse a
 * LAB_ID another checkout claims, naming it; lab:destroy drops the claim;
 * lab:doctor lists the labs of other checkouts. A lab is known by its state
 * folder (LAB_STATE): the same folder is the same lab. A claim whose state
 * folder is gone is stale (its checkout was deleted): it is taken over.
 */
export interface LabClaim {
  labId: string;
  /** The checkout that ran lab:up (its repository root). */
  checkout: string;
  /** Its LAB_STATE: what makes it the same lab. */
  stateDir: string;
  /** Its lab.yaml. */
  configPath: string;
  /** The provider lab:up chose, and the lab's network (lab.yaml network.cidr). */
  provider: string;
  cidr: string;
  /** When lab:up first claimed it (ISO 8601). */
  since: string;
}

export function claimsDir(cacheDir: string): string {
  return join(cacheDir, 'labs');
}

function claimFile(where: Pick<LabEnv, 'cacheDir' | 'labId'>): string {
  return join(claimsDir(where.cacheDir), `${where.labId}.json`);
}

function readClaim(file: string): LabClaim | undefined {
  try {
    const claim = JSON.parse(readFileSync(file, 'utf8')) as Partial<LabClaim>;
    if (typeof claim.labId !== 'string' || typeof claim.stateDir !== 'string') return undefined;
    return {
      labId: claim.labId,
      checkout: String(claim.checkout ?? ''),
      stateDir: claim.stateDir,
      configPath: String(claim.configPath ?? ''),
      provider: String(claim.provider ?? ''),
      cidr: String(claim.cidr ?? ''),
      since: String(claim.since ?? ''),
    };
  } catch {
    return undefined; // unreadable: nobody's claim
  }
}

/** Every live claim on this host (stale ones, whose state folder is gone, are left out). */
export function readClaims(cacheDir: string): LabClaim[] {
  const dir = claimsDir(cacheDir);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => readClaim(join(dir, f)))
    .filter((c): c is LabClaim => c !== undefined && existsSync(c.stateDir))
    .sort((a, b) => a.labId.localeCompare(b.labId));
}

function ours(claim: LabClaim, where: Pick<LabEnv, 'stateDir'>): boolean {
  return resolve(claim.stateDir) === resolve(where.stateDir);
}

/** The live claim another checkout holds on this LAB_ID, if any. */
export function foreignClaim(where: Pick<LabEnv, 'cacheDir' | 'labId' | 'stateDir'>): LabClaim | undefined {
  const claim = readClaim(claimFile(where));
  if (!claim || ours(claim, where) || !existsSync(claim.stateDir)) return undefined;
  return claim;
}

/** lab:up, lab:down, lab:destroy: stop, touching nothing, when the LAB_ID is another checkout's lab. */
export function requireOwnLab(where: Pick<LabEnv, 'cacheDir' | 'labId' | 'stateDir'>, command: string): void {
  const claim = foreignClaim(where);
  if (!claim) return;
  throw new ConfigError(
    'CRAWL_E_LAB_NOT_OURS',
    `${command} refused: LAB_ID ${where.labId} is the lab of the checkout ${claim.checkout} (state ${claim.stateDir}, ${claim.provider}, since ${claim.since}), not of this one (state ${where.stateDir})`,
    {
      hint: `unset LAB_ID to use this checkout's own lab, or set another 1-7 of [a-z0-9]; to act on that lab, run the command in ${claim.checkout}`,
      labId: where.labId,
      owner: claim.checkout,
    },
  );
}

/** lab:up: record that this checkout's state folder owns the LAB_ID (kept as it was when already ours). */
export function claimLab(where: LabEnv, lab: { provider: string; cidr: string }): LabClaim {
  requireOwnLab(where, 'lab:up');
  const file = claimFile(where);
  const previous = readClaim(file);
  const claim: LabClaim = {
    labId: where.labId,
    checkout: REPO_ROOT.replace(/\/$/, ''),
    stateDir: resolve(where.stateDir),
    configPath: where.configPath,
    provider: lab.provider,
    cidr: lab.cidr,
    since: previous && ours(previous, where) ? previous.since : new Date().toISOString(),
  };
  mkdirSync(claimsDir(where.cacheDir), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(claim, null, 2)}\n`);
  renameSync(temporary, file);
  return claim;
}

/** lab:destroy: the lab is gone, so is its claim (only our own). */
export function releaseLab(where: Pick<LabEnv, 'cacheDir' | 'labId' | 'stateDir'>): void {
  const file = claimFile(where);
  const claim = readClaim(file);
  if (claim === undefined || ours(claim, where) || !existsSync(claim.stateDir)) rmSync(file, { force: true });
}

/** lab:doctor: the live labs other checkouts (or other LAB_STATEs) claim on this host. */
export function otherLabs(where: Pick<LabEnv, 'cacheDir' | 'stateDir'>): LabClaim[] {
  return readClaims(where.cacheDir).filter((c) => !ours(c, where));
}
