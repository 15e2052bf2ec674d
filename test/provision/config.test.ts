import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, isCrawlError } from '../../common/errors.ts';
import { LAB_CONFIG_MAX_BYTES } from '../../provision/config/defaults.ts';
import {
  DEFAULT_LAB_CONFIG_PATH,
  LAB_DEFAULTS,
  LabConfigError,
  labNodes,
  loadLabConfig,
  parseLabYaml,
  validateLabConfig,
} from '../../provision/config/index.ts';

const MASTER = { name: 'master', role: 'master', ip: '192.168.56.10' };
const W1 = { name: 'worker1', role: 'worker', ip: '192.168.56.11' };

/** Runs `fn`, expects a LabConfigError on `key`, and returns its explained text for further checks. */
function rejects(fn: () => unknown, key: string, ...mentions: (string | RegExp)[]): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof LabConfigError, `expected LabConfigError, got ${String(error)}`);
    assert.ok(error instanceof ConfigError && isCrawlError(error));
    assert.equal(error.code, 'CRAWL_E_LAB_CONFIG');
    assert.equal(error.key, key, error.explain());
    assert.ok(error.hint && error.hint.length > 10, 'every error says how to fix it');
    const text = error.explain();
    for (const m of mentions) assert.match(text, typeof m === 'string' ? new RegExp(escapeRegex(m)) : m);
    return text;
  }
  assert.fail(`expected an error on ${key}`);
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const v = (raw: unknown) => () => validateLabConfig(raw, 'lab.yaml');
const withNodes = (...nodes: unknown[]) => v({ nodes });

function tempFile(t: { after: (fn: () => void) => void }, name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'lab-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

test("the shipped lab.yaml describes the article's three machines and states exactly the defaults", () => {
  const config = loadLabConfig(DEFAULT_LAB_CONFIG_PATH, {}, {});
  assert.deepEqual(labNodes(config), [
    { name: 'master', role: 'master', ip: '192.168.56.10', memoryMb: 1024, cpus: 1 },
    { name: 'worker1', role: 'worker', ip: '192.168.56.11', memoryMb: 1024, cpus: 1 },
    { name: 'worker2', role: 'worker', ip: '192.168.56.12', memoryMb: 1024, cpus: 1 },
  ]);
  const { source, ...rest } = config;
  assert.equal(source, DEFAULT_LAB_CONFIG_PATH);
  assert.deepEqual(rest, JSON.parse(JSON.stringify(LAB_DEFAULTS)), 'lab.yaml documents the real defaults');
});

test('an empty file, or one with only comments, gives every default', () => {
  const empty = validateLabConfig(parseLabYaml('# nothing yet\n', 'x'), 'x');
  assert.deepEqual(
    { ...empty, source: undefined },
    { ...JSON.parse(JSON.stringify(LAB_DEFAULTS)), source: undefined },
  );
  assert.equal(empty.redis.password, 'auto');
  assert.equal(empty.crawl.concurrentRequests, 16);
  assert.equal(empty.mongodb.database, 'yuliao');
});

test('a node entry may leave out role, memory and cpus', () => {
  const config = validateLabConfig({ nodes: [MASTER, { name: 'w', ip: '192.168.56.20' }] }, 'x');
  assert.deepEqual(config.nodes[1], {
    name: 'w',
    role: 'worker',
    ip: '192.168.56.20',
    memoryMb: 1024,
    cpus: 1,
  });
});

test('the path argument beats LAB_CONFIG, which beats the default lab.yaml', (t) => {
  const a = tempFile(t, 'a.yaml', 'crawl: { list_pages: 3 }\n');
  const b = tempFile(t, 'b.yaml', 'crawl: { list_pages: 4 }\n');
  assert.equal(loadLabConfig(undefined, {}, { LAB_CONFIG: a }).crawl.listPages, 3);
  assert.equal(loadLabConfig(b, {}, { LAB_CONFIG: a }).crawl.listPages, 4);
  assert.equal(loadLabConfig(undefined, {}, {}).source, DEFAULT_LAB_CONFIG_PATH);
});

test('overrides win over the file, merge key by key, and are validated like the file', (t) => {
  const file = tempFile(t, 'lab.yaml', 'provider: vagrant\nredis: { port: 6390, article_exact: true }\n');
  const config = loadLabConfig(file, { provider: 'netns', redis: { article_exact: false } }, {});
  assert.equal(config.provider, 'netns');
  assert.deepEqual(config.redis, { port: 6390, password: 'auto', articleExact: false, tls: false });
  const text = rejects(() => loadLabConfig(file, { provider: 'docker' }, {}), 'provider');
  assert.match(text, /with overrides/);
});

test('a missing file names the path and the LAB_CONFIG variable', () => {
  rejects(
    () => loadLabConfig('/nonexistent/lab.yaml', {}, {}),
    '(file)',
    '/nonexistent/lab.yaml',
    'LAB_CONFIG',
  );
});

test('unknown keys are refused with a did-you-mean at every level', () => {
  rejects(v({ provder: 'auto' }), 'provder', 'did you mean provider?');
  rejects(v({ redis: { pasword: 'x' } }), 'redis.pasword', 'did you mean password?');
  rejects(v({ crawl: { listPages: 5 } }), 'crawl.listPages', 'did you mean list_pages?');
  rejects(withNodes({ ...MASTER, memroy: 2048 }), 'nodes[0].memroy', 'did you mean memory?');
  rejects(withNodes({ ...MASTER, ssh: { usr: 'x' } }), 'nodes[0].ssh.usr', 'did you mean user?');
  rejects(v({ zzz: 1 }), 'zzz', 'Keys allowed in the top level');
});

test('wrong types name the key, the value with its type, and the expected form', () => {
  rejects(withNodes({ ...MASTER, memory: '1024MB' }), 'nodes[0].memory', '"1024MB"', 'whole number from 512');
  rejects(v({ redis: { article_exact: 'maybe' } }), 'redis.article_exact', 'true or false');
  rejects(v({ box_version: 202508.03 }), 'box_version', '202508.03 (number)', 'quoted version string');
  rejects(v({ redis: 6379 }), 'redis', 'a mapping');
  rejects(v({ provider: 'vagrnt' }), 'provider', 'did you mean vagrant?');
  rejects(v({ crawl: { target: 'tieba' } }), 'crawl.target', 'mini-tieba, real-tieba');
  rejects(v([1, 2]), '(top level)');
});

test('out-of-range numbers are refused with the allowed range', () => {
  rejects(withNodes({ ...MASTER, memory: 256 }), 'nodes[0].memory', '256', 'at least 512 MB');
  rejects(withNodes({ ...MASTER, cpus: 0 }), 'nodes[0].cpus', 'from 1 to 64');
  rejects(v({ redis: { port: 0 } }), 'redis.port', 'from 1 to 65535');
  rejects(v({ site: { port: 70000 } }), 'site.port', 'from 1 to 65535');
  rejects(v({ crawl: { concurrent_requests: 1.5 } }), 'crawl.concurrent_requests');
});

test('services on the master may not share a port', () => {
  rejects(v({ redis: { port: 8080 } }), 'site.port', 'also redis.port');
  rejects(v({ mongodb: { port: 6379 } }), 'mongodb.port', 'also redis.port');
  // A disabled MongoDB or a real-Tieba target frees its port.
  assert.doesNotThrow(v({ mongodb: { enabled: false, port: 6379 } }));
  assert.doesNotThrow(v({ crawl: { target: 'real-tieba' }, site: { port: 6379 } }));
});

test('passwords are auto or letters and digits, because they go unquoted into redis.conf and URLs', () => {
  assert.equal(validateLabConfig({ redis: { password: 'labpass123' } }, 'x').redis.password, 'labpass123');
  rejects(v({ redis: { password: 'has space1' } }), 'redis.password', 'unquoted');
  rejects(v({ mongodb: { password: 'short' } }), 'mongodb.password');
  rejects(v({ redis: { password: 'p@ss"word1' } }), 'redis.password');
});

test('there must be at least one node and exactly one master', () => {
  rejects(v({ nodes: [] }), 'nodes', 'at least one node');
  rejects(withNodes({ ...MASTER, role: 'worker' }), 'nodes', 'has 0 masters', 'exactly one node');
  rejects(
    withNodes(MASTER, { ...W1, role: 'master' }),
    'nodes',
    'has 2 masters: nodes[0] (master), nodes[1] (worker1)',
  );
  rejects(
    withNodes({ name: 'master', role: 'boss', ip: '192.168.56.10' }),
    'nodes[0].role',
    'master, worker',
  );
  rejects(withNodes({ role: 'master', ip: '192.168.56.10' }), 'nodes[0].name', 'is missing');
  rejects(withNodes({ name: 'master', role: 'master' }), 'nodes[0].ip', 'is missing');
});

test('node names and addresses must be unique (names ignoring case)', () => {
  rejects(
    withNodes(MASTER, { ...W1, name: 'Master' }),
    'nodes[1].name',
    'already used by nodes[0]',
    'ignore case',
  );
  rejects(withNodes(MASTER, { ...W1, ip: '192.168.56.10' }), 'nodes[1].ip', 'already nodes[0].ip (master)');
});

test('node names that would break a shell command or a host name are refused, saying why', () => {
  for (const name of ['a b', "it's", '$(reboot)', '`id`', 'x;y', 'two\nlines', 'a"b']) {
    rejects(withNodes(MASTER, { ...W1, name }), 'nodes[1].name', 'not a safe host name', 'run code');
  }
  for (const name of ['-lead', 'trail-', 'under_score', 'dot.ted', 'x'.repeat(64), '']) {
    rejects(withNodes(MASTER, { ...W1, name }), 'nodes[1].name', "letters, digits and '-'");
  }
  rejects(withNodes(MASTER, { ...W1, name: 123 }), 'nodes[1].name', 'quote it');
  assert.doesNotThrow(withNodes(MASTER, { ...W1, name: `w-${'x'.repeat(59)}1` }));
});

test('vagrant and auto keep every node in one /24 inside VirtualBox host-only range, never .0, .1 or .255', () => {
  for (const provider of ['vagrant', 'auto']) {
    rejects(
      v({ provider, network: { cidr: '10.0.0.0/24' } }),
      'network.cidr',
      '192.168.56.0/21',
      '6.1.28',
      '/etc/vbox/networks.conf',
    );
    rejects(
      v({ provider, nodes: [{ ...MASTER, ip: '192.168.57.10' }] }),
      'nodes[0].ip',
      'outside network.cidr',
    );
    rejects(v({ provider, nodes: [{ ...MASTER, ip: '192.168.56.1' }] }), 'nodes[0].ip', "host's own address");
    rejects(v({ provider, nodes: [{ ...MASTER, ip: '192.168.56.0' }] }), 'nodes[0].ip', 'network address');
    rejects(v({ provider, nodes: [{ ...MASTER, ip: '192.168.56.255' }] }), 'nodes[0].ip', 'broadcast');
  }
  rejects(v({ provider: 'auto', network: { cidr: '10.0.0.0/24' } }), 'network.cidr', 'provider: netns');
  const ok = validateLabConfig(
    {
      provider: 'vagrant',
      network: { cidr: '192.168.63.0/24' },
      nodes: [{ ...MASTER, ip: '192.168.63.254' }],
    },
    'x',
  );
  assert.equal(ok.nodes[0]!.ip, '192.168.63.254');
  rejects(v({ network: { cidr: '192.168.56.0/23' } }), 'network.cidr', 'exactly one /24');
  rejects(v({ network: { cidr: '192.168.56.7/24' } }), 'network.cidr', 'host bits', '192.168.56.0/24');
  rejects(v({ network: { cidr: '192.168.56.0' } }), 'network.cidr', 'CIDR');
});

test('netns accepts any private /24 shared by all nodes, and no public one', () => {
  const lab = { provider: 'netns', network: { cidr: '10.56.0.0/24' } };
  const ok = validateLabConfig(
    {
      ...lab,
      nodes: [
        { ...MASTER, ip: '10.56.0.10' },
        { ...W1, ip: '10.56.0.11' },
      ],
    },
    'x',
  );
  assert.deepEqual(
    ok.nodes.map((n) => n.ip),
    ['10.56.0.10', '10.56.0.11'],
  );
  rejects(
    v({
      ...lab,
      nodes: [
        { ...MASTER, ip: '10.56.0.10' },
        { ...W1, ip: '10.56.1.11' },
      ],
    }),
    'nodes[1].ip',
    'outside',
  );
  rejects(v({ provider: 'netns', network: { cidr: '8.8.8.0/24' } }), 'network.cidr', 'not a private network');
  rejects(v({ ...lab, nodes: [{ ...MASTER, ip: '10.56.0.1' }] }), 'nodes[0].ip', 'netns bridge');
});

test('ssh takes any IPv4 address but needs a login user per node; local takes any IPv4 address', () => {
  const ssh = validateLabConfig(
    {
      provider: 'ssh',
      nodes: [
        { ...MASTER, ip: '203.0.113.5', ssh: { user: 'ubuntu', identity_file: '~/.ssh/id_ed25519' } },
        { ...W1, ip: '203.0.113.5', ssh: { user: 'ubuntu', port: 2222 } },
      ],
    },
    'x',
  );
  assert.deepEqual(labNodes(ssh)[0]!.ssh, { user: 'ubuntu', port: 22, identityFile: '~/.ssh/id_ed25519' });
  assert.deepEqual(labNodes(ssh)[1]!.ssh, { user: 'ubuntu', port: 2222 });
  rejects(
    v({ provider: 'ssh', nodes: [{ ...MASTER, ip: '203.0.113.5' }] }),
    'nodes[0].ssh.user',
    'provider is ssh',
  );
  rejects(
    v({ provider: 'ssh', nodes: [{ ...MASTER, ip: '1.2.3', ssh: { user: 'u' } }] }),
    'nodes[0].ip',
    'not an IPv4',
  );
  rejects(
    v({ provider: 'ssh', nodes: [{ ...MASTER, ip: '010.0.0.1', ssh: { user: 'u' } }] }),
    'nodes[0].ip',
    'leading zeros',
  );
  assert.doesNotThrow(v({ provider: 'local', nodes: [{ ...MASTER, ip: '127.0.0.1' }] }));
});

test('labNodes returns copies: editing them does not change the loaded config', () => {
  const config = validateLabConfig({}, 'x');
  const nodes = labNodes(config);
  nodes[0]!.ip = '192.168.56.99';
  assert.equal(config.nodes[0]!.ip, '192.168.56.10');
  assert.throws(() => {
    (LAB_DEFAULTS.nodes[0] as { ip: string }).ip = 'x';
  }, TypeError);
});

test('YAML is read as Ruby reads it: yes/no are booleans, aliases and duplicate keys are refused', () => {
  const yes = validateLabConfig(parseLabYaml('redis:\n  article_exact: yes\n', 'x'), 'x');
  assert.equal(yes.redis.articleExact, true);
  // `name: no` is the boolean false for Ruby; refusing it beats a VM named "false".
  rejects(
    () =>
      validateLabConfig(
        parseLabYaml(`nodes:\n  - { name: no, role: master, ip: 192.168.56.10 }\n`, 'x'),
        'x',
      ),
    'nodes[0].name',
    'quote it',
  );
  rejects(() => parseLabYaml('a: &x 1\nb: *x\n', 'f.yaml'), '(yaml)', 'aliases', 'f.yaml');
  rejects(() => parseLabYaml('base: &b { port: 1 }\nredis:\n  <<: *b\n', 'f.yaml'), '(yaml)');
  rejects(() => parseLabYaml('provider: auto\nprovider: netns\n', 'f.yaml'), '(yaml)');
  rejects(() => parseLabYaml('nodes:\n\t- name: x\n', 'f.yaml'), '(yaml)', 'tabs');
});

test('firewall.mode and mirrors.node default to auto and nodejs.org, and bad values name the key and the choices', () => {
  const config = validateLabConfig({}, 'lab.yaml');
  assert.deepEqual(config.firewall, { mode: 'auto' });
  assert.equal(config.mirrors.node, '');
  assert.equal(validateLabConfig({ firewall: { mode: 'on' } }, 'lab.yaml').firewall.mode, 'on');
  assert.equal(
    validateLabConfig({ mirrors: { node: 'https://npmmirror.com/mirrors/node' } }, 'lab.yaml').mirrors.node,
    'https://npmmirror.com/mirrors/node',
  );
  rejects(v({ firewall: { mode: 'yes please' } }), 'firewall.mode', 'auto, on, off');
  rejects(v({ firewall: { enabled: true } }), 'firewall.enabled', 'mode');
  rejects(v({ mirrors: { node: 'ftp://example.org/node' } }), 'mirrors.node', 'http(s) URL');
});

test('firewall: { mode: on } unquoted (YAML 1.1 reads true) is refused with the fix: quote it (issue 15)', (t) => {
  const file = tempFile(t, 'lab.yaml', 'firewall: { mode: on }\n');
  rejects(() => loadLabConfig(file, {}, {}), 'firewall.mode', 'got true', 'in quotes', 'mode: "on"');
  const off = tempFile(t, 'off.yaml', 'firewall:\n  mode: off\n');
  rejects(() => loadLabConfig(off, {}, {}), 'firewall.mode', 'got false', 'mode: "off"');
  const quoted = tempFile(t, 'quoted.yaml', 'firewall: { mode: "on" }\n');
  assert.equal(loadLabConfig(quoted, {}, {}).firewall.mode, 'on');
});

test('a lab.yaml over the size cap is refused before it is parsed, naming its size and the fix (issue 15)', (t) => {
  const big = tempFile(t, 'big.yaml', `# ${'x'.repeat(LAB_CONFIG_MAX_BYTES)}\nprovider: auto\n`);
  const started = Date.now();
  rejects(
    () => loadLabConfig(big, {}, {}),
    '(file)',
    `more than the ${LAB_CONFIG_MAX_BYTES} a lab.yaml may have`,
    'LAB_CONFIG',
  );
  assert.ok(Date.now() - started < 500, 'refused at once, not after parsing');
  const justUnder = tempFile(t, 'ok.yaml', `# ${'x'.repeat(1000)}\nprovider: auto\n`);
  assert.equal(loadLabConfig(justUnder, {}, {}).provider, 'auto');
});

test('redis.tls: off by default, a YAML boolean when given, never with article_exact', () => {
  assert.equal(validateLabConfig({}, 'lab.yaml').redis.tls, false);
  assert.equal(LAB_DEFAULTS.redis.tls, false);
  assert.equal(validateLabConfig(parseLabYaml('redis:\n  tls: yes\n', 'x'), 'x').redis.tls, true);
  assert.equal(validateLabConfig({ redis: { tls: true } }, 'lab.yaml').redis.tls, true);
  rejects(v({ redis: { tls: 'true' } }), 'redis.tls', '"true"', 'true or false');
  rejects(v({ redis: { tls: 1 } }), 'redis.tls', '1 (number)', 'true or false');
  rejects(v({ redis: { tsl: true } }), 'redis.tsl', 'did you mean tls?');
  rejects(v({ redis: { tls: true, article_exact: true } }), 'redis.tls', 'article_exact', '--article-exact');
});
