import { existsSync } from 'node:fs';
import { CrawlError } from '../../common/errors.ts';
import { type HostEnv, which } from '../host-probe.ts';
import { execArgv } from '../transports/exec.ts';

/**
 * Host prerequisites: a program (or file) this host needs, the Debian package
 * that provides it, and why. Where we run as root with apt, missing packages
 * are installed, each named on a line first; anywhere else, or when installing
 * is forbidden, the error gives the one command to run. One place for both the
 * lab (lab:up, lab:doctor --fix) and the tests' set-up (test/setup/prepare.ts).
 */
export interface HostNeed {
  /** A program looked up on PATH (and /usr/sbin, /sbin), or an absolute file path. */
  tool: string;
  /** The Debian/Ubuntu package that provides it. */
  pkg: string;
  /** Why it is needed, shown beside the package. */
  why: string;
}

export interface EnsureOptions {
  /** Install what is missing where possible (root and apt-get). @default true */
  install?: boolean;
  log?: (line: string) => void;
  env?: HostEnv;
  /** @default process.getuid() === 0 */
  root?: boolean;
}

const SBIN = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

/** The needs this host does not meet. */
export function missingNeeds(needs: readonly HostNeed[], env: HostEnv = process.env): HostNeed[] {
  return needs.filter((n) => (n.tool.startsWith('/') ? !existsSync(n.tool) : !which(n.tool, env, SBIN)));
}

/** The command a user runs to install `pkgs` by hand. */
export function installCommand(pkgs: readonly string[], root: boolean): string {
  return `${root ? '' : 'sudo '}apt-get install -y ${[...new Set(pkgs)].join(' ')}`;
}

const isRoot = () => process.getuid?.() === 0;

/** This host can install packages itself: root and apt-get. */
export function canInstallPackages(env: HostEnv = process.env): boolean {
  return isRoot() && which('apt-get', env, SBIN) !== undefined;
}

/**
 * Make sure every need is met: install the missing packages (root + apt-get,
 * unless forbidden) or throw CRAWL_E_PREREQ naming each one and the command to
 * run. Returns the packages it installed.
 */
export async function ensureHostPackages(
  needs: readonly HostNeed[],
  o: EnsureOptions = {},
): Promise<string[]> {
  const env = o.env ?? process.env;
  const log = o.log ?? ((line: string) => console.error(line));
  const root = o.root ?? isRoot();
  const missing = missingNeeds(needs, env);
  if (missing.length === 0) return [];
  const pkgs = [...new Set(missing.map((n) => n.pkg))];
  const listed = missing.map((n) => `${n.tool} (package ${n.pkg}: ${n.why})`).join(', ');
  const apt = which('apt-get', env, SBIN);
  if (!(o.install ?? true) || !root || !apt) {
    const why = !(o.install ?? true)
      ? 'installing was turned off'
      : !apt
        ? 'this host has no apt-get'
        : 'installing needs root';
    throw new CrawlError('CRAWL_E_PREREQ', `this host lacks ${listed}; ${why}`, {
      hint:
        apt || !(o.install ?? true)
          ? installCommand(pkgs, root)
          : `install ${pkgs.join(', ')} with your package manager`,
      packages: pkgs,
    });
  }
  for (const n of missing) log(`installing ${n.pkg} (${n.why})`);
  const aptEnv = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const run = (argv: string[]) =>
    execArgv(argv, { node: 'host', nothrow: true, timeoutMs: 30 * 60_000, baseEnv: aptEnv });
  const update = await run([apt, 'update', '-qq']);
  const r = await run([apt, 'install', '-y', '-qq', '--no-install-recommends', ...pkgs]);
  if (r.exitCode !== 0)
    throw new CrawlError('CRAWL_E_PREREQ', `apt-get install ${pkgs.join(' ')} failed (exit ${r.exitCode})`, {
      hint: `run it by hand to see why: ${installCommand(pkgs, true)}${update.exitCode === 0 ? '' : ` (apt-get update failed too: ${update.stderr.trim().split('\n').pop()})`}`,
      stderr: r.stderr.trim().split('\n').slice(-5).join('\n'),
    });
  const still = missingNeeds(missing, env);
  if (still.length > 0)
    throw new CrawlError(
      'CRAWL_E_PREREQ',
      `after apt-get install, still missing: ${still.map((n) => n.tool).join(', ')}`,
      {
        hint: `check that ${still.map((n) => n.pkg).join(', ')} provide them on this distribution`,
      },
    );
  return pkgs;
}
