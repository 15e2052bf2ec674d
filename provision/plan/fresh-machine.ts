import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { posix } from 'node:path';
import type { RunOptions, RunResult } from '../types.ts';

/**
 * How a freshly created machine answers the commands the steps run, for
 * `lab:up --dry-run`. It keeps just enough state (packages, files, copies) for
 * a step's later commands to see the effect of its earlier ones, so a plan
 * shows what runs on a fresh machine from the first probe to the last check:
 * "is redis-server installed?" no, so apt-get install; then redis.conf as the
 * package ships it, so the edits. Nothing here touches a node.
 */

/** Files a distribution package puts on the machine when installed. */
export type PackageFiles = Readonly<Record<string, Readonly<Record<string, string>>>>;

export interface FreshMachineOptions {
  /** Files that appear when a package is installed (redis-server → /etc/redis/redis.conf). */
  packageFiles?: PackageFiles;
  /** What a copied program answers to `--version`, by the host path it was copied from. */
  versions?: Readonly<Record<string, string>>;
  /** Files the machine has from the start (its /etc/os-release). */
  files?: Readonly<Record<string, string>>;
}

/** /etc/os-release of the lab's machines: the default box (Ubuntu 24.04) on VMs; Debian 12 stand-ins. */
export const OS_RELEASE: Readonly<Record<'vm' | 'standin', string>> = {
  vm: 'PRETTY_NAME="Ubuntu 24.04 LTS"\nID=ubuntu\nVERSION_ID="24.04"\nVERSION_CODENAME=noble\n',
  standin:
    'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n',
};

/** The model's reply, plus a short reason shown in the plan when the reply matters. */
export interface FreshAnswer {
  result: RunResult;
  note?: string;
}

/** Where Debian's redis-server package puts its configuration. */
const DEBIAN_REDIS_CONF = '/etc/redis/redis.conf';

/**
 * Debian's default redis.conf, read from this host where redis-server is
 * installed (CI installs it: the same pristine file redis-conf.test.ts checks).
 * Without it the plan shows the edits against an empty file and says so.
 */
export function debianPackageFiles(): { files: PackageFiles; note?: string } {
  if (existsSync(DEBIAN_REDIS_CONF)) {
    return { files: { 'redis-server': { [DEBIAN_REDIS_CONF]: readFileSync(DEBIAN_REDIS_CONF, 'utf8') } } };
  }
  return {
    files: { 'redis-server': { [DEBIAN_REDIS_CONF]: '' } },
    note: `Debian's default ${DEBIAN_REDIS_CONF} is not on this host (apt-get install redis-server shows it): its edits are shown against an empty file`,
  };
}

const ok = (stdout = ''): RunResult => ({ exitCode: 0, stdout, stderr: '' });
const fail = (exitCode: number, stderr: string): RunResult => ({ exitCode, stdout: '', stderr });

export class FreshMachine {
  readonly #packages = new Set<string>();
  readonly #files = new Map<string, string>();
  /** remote path → host path it was copied from */
  readonly #copies = new Map<string, string>();
  readonly #o: FreshMachineOptions;

  constructor(options: FreshMachineOptions = {}) {
    this.#o = options;
    for (const [path, text] of Object.entries(options.files ?? {})) this.#files.set(path, text);
  }

  /** nftables tables loaded with `nft -f -`, by "family name". */
  readonly #nft = new Map<string, string>();
  /** systemd units started (systemctl start). */
  readonly #active = new Set<string>();

  /** A program a step that was not planned would have installed (node-download's node). */
  assume(path: string): void {
    this.#files.set(posix.normalize(path), '');
  }

  /** Remember a copy from the host (Transport.copy). */
  copied(localPath: string, remotePath: string): void {
    this.#copies.set(posix.normalize(remotePath), localPath);
  }

  answer(argv: readonly string[], options: RunOptions = {}): FreshAnswer {
    const [program = '', ...args] = argv;
    switch (posix.basename(program)) {
      case 'dpkg-query': {
        const pkg = args[args.length - 1] ?? '';
        if (this.#packages.has(pkg)) return { result: ok('install ok installed') };
        return {
          result: fail(1, `dpkg-query: no packages found matching ${pkg}\n`),
          note: 'not installed',
        };
      }
      case 'apt-cache':
        return { result: ok(''), note: 'no package lists yet' };
      case 'apt-get':
        return { result: this.#aptGet(args) };
      case 'cat':
        return this.#cat(args);
      case 'tee':
        for (const path of args.filter((a) => !a.startsWith('-'))) this.#files.set(path, options.input ?? '');
        return { result: ok(options.input ?? '') };
      case 'realpath':
        return { result: ok(`${posix.normalize(args[args.length - 1] ?? '/')}\n`) };
      case 'sha256sum':
        return this.#sha256(args);
      case 'redis-cli':
        return { result: ok('PONG\n') };
      case 'bash':
        return { result: ok(serviceScriptReply(args)) };
      case 'nft':
        return this.#nftables(args, options.input ?? '');
      case 'systemctl':
        return this.#systemctl(args);
      default:
        return this.#program(program, args);
    }
  }

  #aptGet(args: readonly string[]): RunResult {
    const at = args.indexOf('install');
    if (at < 0) return ok();
    for (const pkg of args.slice(at + 1).filter((a) => !a.startsWith('-'))) {
      this.#packages.add(pkg);
      for (const [path, text] of Object.entries(this.#o.packageFiles?.[pkg] ?? {}))
        this.#files.set(path, text);
    }
    return ok();
  }

  /** `nft -f -` loads the tables of its input (after any `delete table`); `nft list table F N` prints one back. */
  #nftables(args: readonly string[], input: string): FreshAnswer {
    if (args[0] === '-f') {
      for (const m of input.matchAll(/^table (\S+) (\S+) \{$[\s\S]*?^\}$/gm))
        this.#nft.set(`${m[1]} ${m[2]}`, m[0]);
      return { result: ok() };
    }
    if (args[0] === 'list' && args[1] === 'table') {
      const table = this.#nft.get(`${args[2]} ${args[3]}`);
      if (table !== undefined) return { result: ok(`${table}\n`) };
      return { result: fail(1, 'Error: No such file or directory\n'), note: 'no such table yet' };
    }
    return { result: ok() };
  }

  /** A fresh VM runs none of the lab's units; `start` makes one active. */
  #systemctl(args: readonly string[]): FreshAnswer {
    const [verb = '', ...rest] = args;
    const unit = rest[rest.length - 1] ?? '';
    if (verb === 'start') this.#active.add(unit);
    if (verb === 'is-active')
      return this.#active.has(unit)
        ? { result: ok('active\n') }
        : { result: { exitCode: 3, stdout: 'inactive\n', stderr: '' }, note: 'not running yet' };
    if (verb === 'show')
      return {
        result: ok(this.#active.has(unit) ? 'ActiveState=active\n' : 'ActiveState=inactive\n'),
      };
    return { result: ok() };
  }

  #cat(args: readonly string[]): FreshAnswer {
    const path = args[args.length - 1] ?? '';
    const text = this.#files.get(path);
    if (text !== undefined) return { result: ok(text) };
    return {
      result: fail(1, `cat: ${path}: No such file or directory\n`),
      note: 'no such file yet',
    };
  }

  #sha256(paths: readonly string[]): FreshAnswer {
    const lines: string[] = [];
    for (const path of paths) {
      const source = this.#sourceOf(path);
      if (source === undefined)
        return { result: fail(1, `sha256sum: ${path}: No such file or directory\n`), note: 'not there yet' };
      lines.push(`${createHash('sha256').update(source).digest('hex')}  ${path}`);
    }
    return { result: ok(`${lines.join('\n')}\n`) };
  }

  /** A program that was copied answers `--version` like its host original; anything else missing is "not found". */
  #program(program: string, args: readonly string[]): FreshAnswer {
    if (!program.startsWith('/')) return { result: ok() };
    const from = this.#copies.get(posix.normalize(program));
    if (from === undefined && !this.#files.has(program))
      return { result: fail(127, `${program}: No such file or directory\n`), note: 'not installed' };
    if (args[0] === '--version' && from !== undefined) {
      const version = this.#o.versions?.[from];
      if (version !== undefined) return { result: ok(`${version}\n`) };
    }
    return { result: ok() };
  }

  /** What a path on the node holds: written text, a copied file, or a file inside a copied folder. */
  #sourceOf(path: string): string | undefined {
    const p = posix.normalize(path);
    const written = this.#files.get(p);
    if (written !== undefined) return written;
    for (const [remote, local] of this.#copies) {
      if (p === remote) return `copy of ${local}`;
      if (p.startsWith(`${remote}/`)) return `copy of ${local}/${p.slice(remote.length + 1)}`;
    }
    return undefined;
  }
}

/**
 * provision/services.ts runs its start/status/stop scripts as
 * `bash -euo pipefail -c <script> <name> ...`: bash's $0 says which. A fresh
 * machine runs none of the lab's services yet.
 */
function serviceScriptReply(args: readonly string[]): string {
  const c = args.indexOf('-c');
  const name = c >= 0 ? args[c + 2] : undefined;
  if (name === 'start') return 'started\n';
  if (name === 'status' || name === 'stop') return 'stopped\n';
  return '';
}
