import type { LabNode, Role } from '../types.ts';
import { checkAddresses } from './addresses.ts';
import { LAB_DEFAULTS, NODE_DEFAULTS } from './defaults.ts';
import { LabConfigError, show, suggest } from './errors.ts';
import {
  camel,
  NODE_NAME_PATTERN,
  NODE_RULES,
  type Rule,
  SECTION_RULES,
  SSH_RULES,
  TOP_KEYS,
  TOP_RULES,
} from './schema.ts';
import type { LabConfig, ProviderChoice } from './types.ts';

type Mapping = Record<string, unknown>;

function isMapping(value: unknown): value is Mapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The words YAML 1.1 reads as each boolean. */
const YAML11_BOOLEANS: Record<string, readonly string[]> = {
  true: ['on', 'yes', 'y', 'true'],
  false: ['off', 'no', 'n', 'false'],
};

function describe(rule: Rule): string {
  switch (rule.type) {
    case 'int':
      return `a whole number from ${rule.min} to ${rule.max}`;
    case 'bool':
      return 'true or false';
    case 'enum':
      return `one of ${rule.values.join(', ')}`;
    case 'string':
      return rule.rule;
  }
}

/** Check one value against its rule; returns it typed, or throws naming the key, the value and the fix. */
function checkValue(value: unknown, rule: Rule, key: string, source: string): unknown {
  const fail = (extra = ''): never => {
    const why = rule.type === 'int' && rule.why ? ` (${rule.why})` : '';
    throw new LabConfigError(key, `got ${show(value)}, expected ${describe(rule)}${why}`, {
      value,
      source,
      hint: `set ${key} to ${describe(rule)}${extra}, or delete the line to use the default.`,
    });
  };
  switch (rule.type) {
    case 'int':
      if (typeof value !== 'number' || !Number.isInteger(value) || value < rule.min || value > rule.max)
        fail();
      return value;
    case 'bool':
      // YAML 1.1 (read by Ruby and by us) also accepts yes/no/on/off as booleans.
      if (typeof value !== 'boolean') fail();
      return value;
    case 'enum': {
      if (typeof value === 'string' && rule.values.includes(value)) return value;
      const guess = typeof value === 'string' ? suggest(value, rule.values) : undefined;
      // YAML 1.1 (ours and the Vagrantfile's Ruby) reads an unquoted on/off/yes/no as true/false
      const word =
        typeof value === 'boolean'
          ? rule.values.find((v) => YAML11_BOOLEANS[String(value)]!.includes(v))
          : undefined;
      if (word)
        return fail(
          ` in quotes: YAML 1.1 reads an unquoted ${word} as ${value}, so write ${key.split('.').at(-1)}: "${word}"`,
        );
      return fail(guess ? ` (did you mean ${guess}?)` : '');
    }
    case 'string':
      if (typeof value !== 'string' || !rule.pattern.test(value)) fail();
      return value;
  }
}

/** A mapping whose keys must all be known; `key` is its dotted path ('' for the top level). */
function mapping(value: unknown, key: string, allowed: readonly string[], source: string): Mapping {
  const where = key === '' ? 'the top level' : key;
  if (!isMapping(value)) {
    throw new LabConfigError(key || '(top level)', `got ${show(value)}, expected a mapping of keys`, {
      value,
      source,
      hint: `write ${where} as "key: value" lines (see lab.yaml in the repository for the layout).`,
    });
  }
  for (const name of Object.keys(value)) {
    if (allowed.includes(name)) continue;
    const guess = suggest(name, allowed);
    const full = key === '' ? name : `${key}.${name}`;
    throw new LabConfigError(full, 'unknown key', {
      value: value[name],
      source,
      hint: `${guess ? `did you mean ${guess}? ` : ''}Keys allowed in ${where}: ${allowed.join(', ')}.`,
    });
  }
  return value;
}

function field(
  obj: Mapping,
  name: string,
  rule: Rule,
  fallback: unknown,
  key: string,
  source: string,
): unknown {
  const value = obj[name];
  return value === undefined ? fallback : checkValue(value, rule, key, source);
}

function section(top: Mapping, name: string, source: string): Mapping {
  const rules = SECTION_RULES[name]!;
  const raw = top[name] === undefined || top[name] === null ? {} : top[name];
  const obj = mapping(raw, name, Object.keys(rules), source);
  const defaults = (LAB_DEFAULTS as unknown as Record<string, Mapping>)[name]!;
  const out: Mapping = {};
  for (const [key, rule] of Object.entries(rules)) {
    out[camel(key)] = field(obj, key, rule, defaults[camel(key)], `${name}.${key}`, source);
  }
  return out;
}

function unsafeNameHint(value: unknown): string {
  const base =
    "use letters, digits and '-' only, such as 'worker3'. Node names become host names, Vagrant machine names, namespace names and words in shell commands";
  if (typeof value !== 'string') return `${base}; quote it if YAML read it as a number or boolean.`;
  if (/[\s'"`$();&|<>\\]/.test(value))
    return `${base}: spaces, quotes, '$(...)', ';' or newlines would split a command or run code on the node.`;
  return `${base}.`;
}

function node(raw: unknown, i: number, provider: ProviderChoice, source: string): LabNode {
  const key = `nodes[${i}]`;
  const obj = mapping(raw, key, [...Object.keys(NODE_RULES), 'ssh'], source);
  for (const required of ['name', 'ip'] as const) {
    if (obj[required] === undefined || obj[required] === null) {
      throw new LabConfigError(`${key}.${required}`, 'is missing', {
        source,
        hint: `every node needs a ${required}, e.g. "- { name: worker3, role: worker, ip: 192.168.56.13 }".`,
      });
    }
  }
  if (typeof obj['name'] !== 'string' || !NODE_NAME_PATTERN.test(obj['name'])) {
    throw new LabConfigError(`${key}.name`, `got ${show(obj['name'])}, which is not a safe host name`, {
      value: obj['name'],
      source,
      hint: unsafeNameHint(obj['name']),
    });
  }
  const out: LabNode = {
    name: obj['name'],
    role: field(obj, 'role', NODE_RULES['role']!, 'worker', `${key}.role`, source) as Role,
    ip: checkValue(obj['ip'], NODE_RULES['ip']!, `${key}.ip`, source) as string,
    memoryMb: field(
      obj,
      'memory',
      NODE_RULES['memory']!,
      NODE_DEFAULTS.memoryMb,
      `${key}.memory`,
      source,
    ) as number,
    cpus: field(obj, 'cpus', NODE_RULES['cpus']!, NODE_DEFAULTS.cpus, `${key}.cpus`, source) as number,
  };
  if (obj['ssh'] !== undefined || provider === 'ssh') {
    const ssh = mapping(obj['ssh'] ?? {}, `${key}.ssh`, Object.keys(SSH_RULES), source);
    if (provider === 'ssh' && ssh['user'] === undefined) {
      throw new LabConfigError(`${key}.ssh.user`, 'is missing (provider is ssh)', {
        source,
        hint: `say which account to log in as on ${out.name}, e.g. "ssh: { user: ubuntu, identity_file: ~/.ssh/id_ed25519 }".`,
      });
    }
    const identityFile = field(
      ssh,
      'identity_file',
      SSH_RULES['identity_file']!,
      undefined,
      `${key}.ssh.identity_file`,
      source,
    );
    out.ssh = {
      user: field(ssh, 'user', SSH_RULES['user']!, '', `${key}.ssh.user`, source) as string,
      port: field(
        ssh,
        'port',
        SSH_RULES['port']!,
        NODE_DEFAULTS.sshPort,
        `${key}.ssh.port`,
        source,
      ) as number,
      ...(identityFile === undefined ? {} : { identityFile: identityFile as string }),
    };
  }
  return out;
}

function nodes(raw: unknown, provider: ProviderChoice, source: string): LabNode[] {
  if (raw === undefined) return LAB_DEFAULTS.nodes.map((n) => ({ ...n }));
  if (!Array.isArray(raw) || raw.length === 0) {
    throw new LabConfigError('nodes', `got ${show(raw)}, expected a list of at least one node`, {
      value: raw,
      source,
      hint: 'list the machines as "- { name: master, role: master, ip: 192.168.56.10 }" lines, or delete `nodes` for the default three.',
    });
  }
  const list = raw.map((entry, i) => node(entry, i, provider, source));
  const seen = new Map<string, number>();
  list.forEach((n, i) => {
    const lower = n.name.toLowerCase();
    const first = seen.get(lower);
    if (first !== undefined) {
      throw new LabConfigError(`nodes[${i}].name`, `${show(n.name)} is already used by nodes[${first}]`, {
        value: n.name,
        source,
        hint: 'give every node its own name (host names ignore case, so Worker1 and worker1 clash).',
      });
    }
    seen.set(lower, i);
  });
  const masters = list.flatMap((n, i) => (n.role === 'master' ? [`nodes[${i}] (${n.name})`] : []));
  if (masters.length !== 1) {
    throw new LabConfigError(
      'nodes',
      `has ${masters.length} masters${masters.length ? `: ${masters.join(', ')}` : ''}`,
      {
        source,
        hint: 'mark exactly one node "role: master": it runs Redis, MongoDB and the site (and a worker too); the others are "role: worker".',
      },
    );
  }
  return list;
}

/** Ports on the master must not collide: Redis, MongoDB (if enabled) and the mini-Tieba site (if the target). */
function checkPorts(config: LabConfig): void {
  const used: Array<[string, number]> = [['redis.port', config.redis.port]];
  if (config.mongodb.enabled) used.push(['mongodb.port', config.mongodb.port]);
  if (config.crawl.target === 'mini-tieba') used.push(['site.port', config.site.port]);
  used.forEach(([key, port], i) => {
    const clash = used.slice(0, i).find(([, other]) => other === port);
    if (clash) {
      throw new LabConfigError(key, `${port} is also ${clash[0]}`, {
        value: port,
        source: config.source,
        hint: `Redis, MongoDB and the site all listen on the master: give ${key} or ${clash[0]} another port.`,
      });
    }
  });
}

/** The article's open Redis has no TLS: the two keys contradict each other. */
function checkTls(config: LabConfig): void {
  if (config.redis.tls && config.redis.articleExact) {
    throw new LabConfigError('redis.tls', 'is true, but redis.article_exact is true too', {
      value: true,
      source: config.source,
      hint: 'article_exact reproduces the article exactly: plain Redis without a password or TLS. Set one of them to false (npm run lab:up -- --article-exact turns TLS off by itself).',
    });
  }
}

/**
 * Defaults + validation of a parsed lab description (the YAML as plain data).
 * Throws LabConfigError (code CRAWL_E_LAB_CONFIG) naming the dotted key, the
 * value and the fix. `source` names the file in messages.
 */
export function validateLabConfig(raw: unknown, source: string): LabConfig {
  const top = mapping(raw ?? {}, '', TOP_KEYS, source);
  const provider = field(
    top,
    'provider',
    TOP_RULES['provider']!,
    LAB_DEFAULTS.provider,
    'provider',
    source,
  ) as ProviderChoice;
  const sections = Object.fromEntries(
    Object.keys(SECTION_RULES).map((name) => [name, section(top, name, source)]),
  );
  const config = {
    source,
    provider,
    box: field(top, 'box', TOP_RULES['box']!, LAB_DEFAULTS.box, 'box', source),
    boxVersion: field(
      top,
      'box_version',
      TOP_RULES['box_version']!,
      LAB_DEFAULTS.boxVersion,
      'box_version',
      source,
    ),
    ...sections,
    nodes: nodes(top['nodes'], provider, source),
  } as LabConfig;
  checkAddresses(config);
  checkPorts(config);
  checkTls(config);
  return config;
}
