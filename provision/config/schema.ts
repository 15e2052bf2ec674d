import { SETTINGS, type SettingKind } from 'crawl-lab';
import { CRAWL_ENGINES, PROVIDER_CHOICES } from './types.ts';

/**
 * The keys lab.yaml may contain and the rule each value must follow. Keys are
 * snake_case (YAML and Ruby convention); the loader maps them to camelCase.
 * `rule` texts are written to be pasted into an error message after "must be".
 */
export type Rule =
  | { type: 'int'; min: number; max: number; why?: string }
  | { type: 'bool' }
  | { type: 'enum'; values: readonly string[] }
  | { type: 'string'; pattern: RegExp; rule: string };

export type SectionRules = Readonly<Record<string, Rule>>;

/** Reuse the crawler's own bounds so the lab never accepts what the crawler refuses. */
function intBounds(kind: SettingKind): { min: number; max: number } {
  if ((kind.type !== 'int' && kind.type !== 'number') || kind.min === undefined || kind.max === undefined)
    throw new Error('expected a bounded numeric setting');
  return { min: kind.min, max: kind.max };
}

const PORT: Rule = { type: 'int', min: 1, max: 65535 };
const BOOL: Rule = { type: 'bool' };

/** Secrets go unquoted into redis.conf, redis:// and mongodb:// URLs and shell commands: letters and digits only. */
export const SECRET_PATTERN = /^[A-Za-z0-9]{8,128}$/;
const SECRET: Rule = {
  type: 'string',
  pattern: /^(auto|[A-Za-z0-9]{8,128})$/,
  rule: "'auto' (generate one) or 8 to 128 letters and digits; no spaces or symbols, because the password is written unquoted into redis.conf, connection URLs and shell commands",
};
const DB_NAME: Rule = {
  type: 'string',
  pattern: /^[A-Za-z0-9_-]{1,63}$/,
  rule: '1 to 63 letters, digits, "_" or "-"',
};
const MIRROR: Rule = {
  type: 'string',
  pattern: /^(|https?:\/\/[A-Za-z0-9._~:/?#@!&+,;=%-]+)$/,
  rule: "empty (use the default) or an http(s) URL such as 'http://mirrors.tuna.tsinghua.edu.cn/debian'",
};

export const TOP_RULES: SectionRules = {
  provider: { type: 'enum', values: PROVIDER_CHOICES },
  box: {
    type: 'string',
    pattern: /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/,
    rule: "a Vagrant box name 'owner/name' such as 'bento/ubuntu-24.04'",
  },
  box_version: {
    type: 'string',
    pattern: /^\d+(\.\d+){0,3}$/,
    rule: "a quoted version string such as '202508.03.0' (without quotes YAML may read it as a number)",
  },
};

/** Mapping sections and their keys. `nodes` (a list) is validated separately. */
export const SECTION_RULES: Readonly<Record<string, SectionRules>> = {
  network: {
    cidr: {
      type: 'string',
      pattern: /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/,
      rule: "a network in CIDR form such as '192.168.56.0/24'",
    },
  },
  redis: { port: PORT, password: SECRET, article_exact: BOOL, tls: BOOL },
  mongodb: {
    enabled: BOOL,
    port: PORT,
    database: DB_NAME,
    collection: DB_NAME,
    user: DB_NAME,
    password: SECRET,
    server: { type: 'enum', values: ['packages', 'binary'] },
  },
  qemu: {
    accel: { type: 'enum', values: ['auto', 'kvm', 'tcg'] },
    boot_timeout_s: {
      type: 'int',
      min: 30,
      max: 3600,
      why: 'seconds from starting a VM to its ssh answering; emulated (TCG) boots take about a minute',
    },
  },
  libvirt: {
    driver: { type: 'enum', values: ['kvm', 'qemu'] },
  },
  crawl: {
    target: { type: 'enum', values: ['mini-tieba', 'real-tieba'] },
    engine: { type: 'enum', values: CRAWL_ENGINES },
    list_pages: { type: 'int', min: 1, max: 2000 },
    workers_per_node: {
      type: 'int',
      min: 1,
      max: 16,
      why: 'each worker is a Node process; 16 per node is plenty',
    },
    concurrent_requests: { type: 'int', ...intBounds(SETTINGS.concurrentRequests.kind) },
    lease_timeout_s: { type: 'int', ...intBounds(SETTINGS.leaseTimeout.kind) },
    all_pages: BOOL,
  },
  site: {
    port: PORT,
    seed: { type: 'int', min: 0, max: 2 ** 32 - 1 },
    latency_ms: { type: 'int', min: 0, max: 60_000 },
  },
  mirrors: { apt: MIRROR, npm: MIRROR, node: MIRROR, pypi: MIRROR },
  firewall: { mode: { type: 'enum', values: ['auto', 'on', 'off'] } },
  host: { install_packages: BOOL },
};

/** Host-name label (RFC 1123): it becomes a hostname, a Vagrant machine name, a namespace name and a shell word. */
export const NODE_NAME_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

export const NODE_RULES: SectionRules = {
  name: {
    type: 'string',
    pattern: NODE_NAME_PATTERN,
    rule: "1 to 63 letters, digits and '-' (not first or last), such as 'worker3'",
  },
  role: { type: 'enum', values: ['master', 'worker'] },
  ip: { type: 'string', pattern: /^[\d.]+$/, rule: "an IPv4 address such as '192.168.56.13'" },
  memory: {
    type: 'int',
    min: 512,
    max: 65_536,
    why: 'Ubuntu with Redis, MongoDB and Node needs at least 512 MB',
  },
  cpus: { type: 'int', min: 1, max: 64 },
};

export const SSH_RULES: SectionRules = {
  user: {
    type: 'string',
    pattern: /^[a-z_][a-z0-9_-]{0,31}$/,
    rule: "a Unix user name such as 'ubuntu' (lower-case letters, digits, '_' and '-')",
  },
  port: PORT,
  identity_file: {
    type: 'string',
    pattern: /^[^\0\n\r]{1,4096}$/,
    rule: "a path to a private key such as '~/.ssh/id_ed25519'",
  },
};

export const TOP_KEYS = [...Object.keys(TOP_RULES), 'nodes', ...Object.keys(SECTION_RULES)];

/** snake_case → camelCase (list_pages → listPages). */
export function camel(key: string): string {
  return key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}
