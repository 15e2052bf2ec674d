import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DEFAULT_LAB_CONFIG_PATH, loadLabConfig } from '../../provision/config/index.ts';
import { openLab } from '../../provision/lab.ts';
import { loadSecrets } from '../../provision/state.ts';
import { isRoot, leftovers } from '../provision/netns-support.ts';

/**
 * The lab commands as a learner runs them: child processes reading LAB_CONFIG,
 * LAB_ID and LAB_STATE. The dry run needs no root; lab:ssh and lab:down bring
 * up a one-node netns lab (id "plan", 10.57.8.0/24) and skip outside CI without root.
 */
const SCRIPTS = fileURLToPath(new URL('../../scripts/lab/', import.meta.url));
const needsRoot =
  !isRoot && process.env['CI'] !== 'true'
    ? 'needs root (network namespaces): run as root, as CI does'
    : false;

function lab(script: string, args: string[], env: Record<string, string>, input?: string) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(SCRIPTS, script), ...args], {
    env: { ...process.env, ...env },
    input,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('lab:up --dry-run prints the plan, exits 0, never prints the lab password and writes nothing', (t) => {
  const state = mkdtempSync(join(tmpdir(), 'crawl-lab-dry-'));
  t.after(() => rmSync(state, { recursive: true, force: true }));
  const { redisPassword } = loadSecrets(loadLabConfig(DEFAULT_LAB_CONFIG_PATH), state);
  const r = lab('up.ts', ['--dry-run'], {
    LAB_CONFIG: DEFAULT_LAB_CONFIG_PATH,
    LAB_STATE: state,
    LAB_ID: 'plan',
  });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^# lab:up --dry-run: .* Nothing has run\.$/m);
  assert.match(r.stdout, /^## master: step redis-configure \(changed\)$/m);
  assert.match(r.stdout, /user crawler reset on #[0-9a-f]{64} ~tieba:\*/);
  assert.ok(
    !r.stdout.includes(redisPassword) && !r.stderr.includes(redisPassword),
    'the password never printed',
  );
  assert.deepEqual(readdirSync(state), ['secrets.json'], 'a dry run creates nothing');
});

test('lab:up --dry-run on a lab.yaml with a hostile node name fails with exit 2 naming the key', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'crawl-lab-dry-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const config = join(dir, 'lab.yaml');
  writeFileSync(config, 'nodes:\n  - { name: "m $(reboot)", role: master, ip: 192.168.56.10 }\n');
  const r = lab('up.ts', ['--dry-run'], { LAB_CONFIG: config, LAB_STATE: join(dir, 'state') });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /nodes\[0\]\.name: got "m \$\(reboot\)", which is not a safe host name/);
  assert.match(r.stderr, /fix: use letters, digits and '-' only/);
  assert.equal(r.stdout, '');
});

test('lab:ssh runs one command on a netns node, opens a shell there, names the nodes when asked for an unknown one; lab:down stops the node and keeps its disk', {
  skip: needsRoot,
  timeout: 120_000,
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'crawl-lab-cmds-'));
  const state = join(dir, 'state');
  const config = join(dir, 'lab.yaml');
  writeFileSync(
    config,
    'provider: netns\nnetwork: { cidr: 10.57.8.0/24 }\nnodes:\n  - { name: master, role: master, ip: 10.57.8.10 }\n',
  );
  const env = { LAB_CONFIG: config, LAB_STATE: state, LAB_ID: 'plan' };
  const opened = await openLab({ configPath: config, labId: 'plan', stateDir: state, log: () => {} });
  t.after(async () => {
    await opened.provider.destroy(opened.nodes).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });
  await opened.provider.up(opened.nodes);

  const one = lab(
    'ssh.ts',
    [
      'master',
      '--',
      'sh',
      '-c',
      'hostname; cat /etc/debian_version >/dev/null && echo "$1"; exit 3',
      'sh',
      'a b $(x)',
    ],
    env,
  );
  assert.deepEqual([one.code, one.stdout], [3, 'master\na b $(x)\n'], one.stderr);

  const shell = lab('ssh.ts', ['master'], env, 'hostname\ngrep -c 10.57.8.10 /proc/net/fib_trie\nexit 5\n');
  assert.equal(shell.code, 5, shell.stderr);
  assert.match(shell.stdout, /^master\n[1-9]\n/, "the node's hostname and address");

  const unknown = lab('ssh.ts', ['nope', '--', 'true'], env);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /no node named "nope"\n {2}fix: name one of the lab's nodes: master/);

  const down = lab('down.ts', [], env);
  assert.equal(down.code, 0, down.stderr);
  assert.match(down.stdout, /stopped the netns lab \(master\)/);
  assert.match(down.stdout, /kept:\n {2}each node's root filesystem .* in .*\/netns\/rootfs/);
  assert.match(down.stdout, /come back with: npm run lab:up/);
  assert.deepEqual(
    leftovers('plan', state).filter((l) => !l.startsWith('folder')),
    [],
    'no namespace, link or process of the lab after down',
  );
  assert.ok(
    existsSync(join(state, 'netns', 'rootfs', 'master', 'etc', 'debian_version')),
    'the node disk stays',
  );

  const after = lab('ssh.ts', ['master', '--', 'true'], env);
  assert.equal(after.code, 1);
  assert.match(
    after.stderr,
    /master: the node is not running .*\n {2}fix: bring the lab up first: npm run lab:up/,
  );
  const status = lab('status.ts', [], env);
  assert.equal(status.code, 1);
  assert.match(status.stdout, /master +10\.57\.8\.10 +not running \(npm run lab:up\)/);
});
