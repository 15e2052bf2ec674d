import { readFileSync } from 'node:fs';

/**
 * How to install a host tool the lab needs, for this machine's OS: one place
 * for the "fix:" lines of the local provider's steps and of lab:doctor.
 */

export type HostTool =
  | 'redis-server'
  | 'redis-cli'
  | 'rsync'
  | 'setsid'
  | 'sha256sum'
  | 'ip'
  | 'unshare'
  | 'nsenter'
  | 'openssl'
  | 'vagrant';

type Family = 'debian' | 'fedora' | 'arch' | 'alpine' | 'suse' | 'macos' | 'windows' | 'other';

/** The OS family from the platform and /etc/os-release (ID and ID_LIKE). */
export function osFamily(platform: NodeJS.Platform = process.platform, osRelease?: string): Family {
  if (platform === 'darwin') return 'macos';
  if (platform === 'win32') return 'windows';
  let text = osRelease;
  if (text === undefined) {
    try {
      text = readFileSync('/etc/os-release', 'utf8');
    } catch {
      return 'other';
    }
  }
  const ids = [...text.matchAll(/^(?:ID|ID_LIKE)="?([^"\n]*)"?$/gm)].flatMap((m) => m[1]!.split(/\s+/));
  const has = (...names: string[]) => names.some((n) => ids.includes(n));
  if (has('debian', 'ubuntu')) return 'debian';
  if (has('fedora', 'rhel', 'centos')) return 'fedora';
  if (has('arch')) return 'arch';
  if (has('alpine')) return 'alpine';
  if (has('suse', 'opensuse')) return 'suse';
  return 'other';
}

/** Package names per family; a missing entry falls back to the tool's name. */
const PACKAGES: Partial<Record<HostTool, Partial<Record<Family, string>>>> = {
  'redis-server': {
    debian: 'redis-server',
    fedora: 'redis',
    arch: 'redis',
    alpine: 'redis',
    suse: 'redis',
    macos: 'redis',
  },
  'redis-cli': {
    debian: 'redis-tools',
    fedora: 'redis',
    arch: 'redis',
    alpine: 'redis',
    suse: 'redis',
    macos: 'redis',
  },
  setsid: {
    debian: 'util-linux',
    fedora: 'util-linux',
    arch: 'util-linux',
    alpine: 'util-linux',
    suse: 'util-linux',
    macos: 'util-linux',
  },
  unshare: {
    debian: 'util-linux',
    fedora: 'util-linux',
    arch: 'util-linux',
    alpine: 'util-linux',
    suse: 'util-linux',
  },
  nsenter: {
    debian: 'util-linux',
    fedora: 'util-linux',
    arch: 'util-linux',
    alpine: 'util-linux',
    suse: 'util-linux',
  },
  ip: { debian: 'iproute2', fedora: 'iproute', arch: 'iproute2', alpine: 'iproute2', suse: 'iproute2' },
  sha256sum: {
    debian: 'coreutils',
    fedora: 'coreutils',
    arch: 'coreutils',
    alpine: 'coreutils',
    suse: 'coreutils',
    macos: 'coreutils',
  },
};

/** "sudo apt-get install -y redis-server" and the like; for tools Homebrew keeps off PATH, the PATH line too. */
export function installHint(tool: HostTool, family: Family = osFamily()): string {
  if (tool === 'vagrant') {
    return 'install Vagrant from https://developer.hashicorp.com/vagrant/install (distribution packages are often years old)';
  }
  const pkg = PACKAGES[tool]?.[family] ?? tool;
  switch (family) {
    case 'debian':
      return `sudo apt-get install -y ${pkg}`;
    case 'fedora':
      return `sudo dnf install -y ${pkg}`;
    case 'arch':
      return `sudo pacman -S ${pkg}`;
    case 'alpine':
      return `sudo apk add ${pkg}`;
    case 'suse':
      return `sudo zypper install -y ${pkg}`;
    case 'macos':
      // Homebrew installs util-linux "keg-only": its tools are not on PATH until added
      return pkg === 'util-linux'
        ? 'brew install util-linux, then add "$(brew --prefix util-linux)/bin" to PATH'
        : `brew install ${pkg}`;
    case 'windows':
      return `run the lab inside WSL2 (Ubuntu), then: sudo apt-get install -y ${pkg}`;
    default:
      return `install ${pkg} with your package manager`;
  }
}
