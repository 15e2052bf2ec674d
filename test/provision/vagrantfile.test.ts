import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DEFAULT_LAB_CONFIG_PATH, loadLabConfig } from '../../provision/config/index.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function has(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** In CI a missing tool is a failure (the CI image must install it); on a laptop the test is skipped. */
function requireTool(t: { skip: (why: string) => void }, command: string): boolean {
  if (has(command)) return true;
  assert.ok(
    !process.env['CI'],
    `${command} is missing in CI: add vagrant to TEST_NEEDS in test/setup/prepare.ts`,
  );
  t.skip(
    `${command} not installed: apt-get install vagrant (it brings ${command === 'ruby' ? 'Ruby' : 'Vagrant'})`,
  );
  return false;
}

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'lab-vagrant-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Loads the Vagrantfile in plain Ruby with a stand-in `Vagrant.configure` that
 * records every setting as a tree (what Vagrant would receive), printed as JSON.
 * The real `vagrant validate` test below covers Vagrant's own checks.
 */
const RECORDER = `
require "json"
class Rec
  def initialize; @tree = {}; end
  def method_missing(name, *args, **kw, &blk)
    n = name.to_s
    return @tree[args[0].to_s] = args[1] if n == "[]="
    return @tree[n.chomp("=")] = args[0] if n.end_with?("=")
    if blk
      child = (@tree[([n] + args.map(&:to_s)).join(" ")] ||= Rec.new)
      child.tree["_options"] = kw unless kw.empty?
      blk.call(child, child)
      return child
    end
    return (@tree[n] ||= Rec.new) if args.empty? && kw.empty?
    (@tree["_calls"] ||= []) << [n, args, kw]
    nil
  end
  def respond_to_missing?(*) true end
  def tree; @tree; end
  def to_h; @tree.transform_values { |v| v.is_a?(Rec) ? v.to_h : v }; end
end
module Vagrant
  def self.configure(_version); rec = Rec.new; yield rec; puts JSON.generate(rec.to_h); end
end
load ARGV[0]
`;

interface Tree {
  [key: string]: unknown;
}

async function recordVagrantfile(labFile: string): Promise<Tree> {
  const { stdout } = await run('ruby', ['-e', RECORDER, join(ROOT, 'Vagrantfile')], {
    env: { ...process.env, LAB_CONFIG: labFile },
  });
  return JSON.parse(stdout) as Tree;
}

/** Each machine as the Vagrantfile defines it, in the loader's LabNode shape plus Vagrant extras. */
function machines(tree: Tree) {
  const vm = tree['vm'] as Tree;
  return Object.entries(vm)
    .filter(([key]) => key.startsWith('define '))
    .map(([key, value]) => {
      const m = (value as Tree)['vm'] as Tree;
      const vb = m['provider virtualbox'] as Tree;
      const libvirt = m['provider libvirt'] as Tree;
      const network = (m['_calls'] as [string, unknown[], Tree][]).find(([n]) => n === 'network')!;
      return {
        name: key.slice('define '.length),
        primary: ((value as Tree)['_options'] as Tree | undefined)?.['primary'] === true,
        hostname: m['hostname'],
        ip: network[2]['ip'],
        memoryMb: vb['memory'],
        cpus: vb['cpus'],
        libvirtDriver: libvirt['driver'],
        vb,
        provisioners: Object.keys(m).filter((k) => k.startsWith('provision')),
      };
    });
}

async function assertAgreement(labFile: string): Promise<Tree> {
  const config = loadLabConfig(labFile, {}, {});
  const tree = await recordVagrantfile(labFile);
  const vm = tree['vm'] as Tree;
  assert.equal(vm['box'], config.box);
  assert.equal(vm['box_version'], config.boxVersion);
  assert.deepEqual(
    machines(tree).map(({ name, primary, hostname, ip, memoryMb, cpus, libvirtDriver }) => ({
      name,
      primary,
      hostname,
      ip,
      memoryMb,
      cpus,
      libvirtDriver,
    })),
    config.nodes.map((n) => ({
      name: n.name,
      primary: n.role === 'master',
      hostname: n.name,
      ip: n.ip,
      memoryMb: n.memoryMb,
      cpus: n.cpus,
      libvirtDriver: config.libvirt.driver,
    })),
  );
  return tree;
}

test('the Vagrantfile and the TypeScript loader read the same machines from the shipped lab.yaml', async (t) => {
  if (!requireTool(t, 'ruby')) return;
  const tree = await assertAgreement(DEFAULT_LAB_CONFIG_PATH);
  assert.deepEqual(
    machines(tree).map((m) => m.name),
    ['master', 'worker1', 'worker2'],
  );
});

test('the Vagrantfile applies the same defaults as LAB_DEFAULTS when lab.yaml leaves keys out', async (t) => {
  if (!requireTool(t, 'ruby')) return;
  const dir = tempDir(t);
  const minimal = join(dir, 'minimal.yaml');
  writeFileSync(minimal, 'provider: vagrant\n');
  await assertAgreement(minimal);
  const custom = join(dir, 'custom.yaml');
  writeFileSync(
    custom,
    [
      'box_version: "202502.21.0"',
      'libvirt: { driver: qemu }',
      'nodes:',
      '  - { name: boss, role: master, ip: 192.168.56.20, memory: 2048, cpus: 2 }',
      '  - { name: w-1, ip: 192.168.56.21 }',
      '  - { name: w-2, role: worker, ip: 192.168.56.22, memory: 768 }',
      '  - { name: w-3, role: worker, ip: 192.168.56.23 }',
      '',
    ].join('\n'),
  );
  await assertAgreement(custom);
});

test('every machine is a thin VirtualBox-ready VM: no shared folder, no provisioners, linked clones', async (t) => {
  if (!requireTool(t, 'ruby')) return;
  const tree = await recordVagrantfile(DEFAULT_LAB_CONFIG_PATH);
  const vm = tree['vm'] as Tree;
  assert.equal(vm['box_check_update'], false);
  assert.deepEqual(vm['_calls'], [['synced_folder', ['.', '/vagrant'], { disabled: true }]]);
  assert.equal(
    (tree['ssh'] as Tree | undefined)?.['insert_key'],
    undefined,
    "Vagrant's per-machine keys stay on",
  );
  for (const m of machines(tree)) {
    assert.deepEqual(m.provisioners, [], `${m.name}: provisioning belongs to the zx scripts`);
    assert.equal(m.vb['linked_clone'], true);
    assert.deepEqual(m.vb['_calls'], [
      ['customize', [['modifyvm', 'id', '--natdnshostresolver1', 'on']], {}],
    ]);
  }
});

test('the Vagrantfile refuses a node name that would run code in a shell', async (t) => {
  if (!requireTool(t, 'ruby')) return;
  const file = join(tempDir(t), 'evil.yaml');
  writeFileSync(file, 'nodes:\n  - { name: "$(reboot)", role: master, ip: 192.168.56.10 }\n');
  await assert.rejects(recordVagrantfile(file), (error: { stderr: string }) => {
    assert.match(error.stderr, /nodes\[0\]\.name "\$\(reboot\)" is not a safe host name/);
    return true;
  });
});

test('vagrant validate --ignore-provider accepts the Vagrantfile, offline, and sees the same machines', async (t) => {
  if (!requireTool(t, 'vagrant')) return;
  const dir = tempDir(t);
  // No network at all inside: guarantees Vagrant sends no traffic (checkpoint, box catalog).
  const isolate = process.getuid?.() === 0 ? ['--net'] : ['--user', '--map-root-user', '--net'];
  const { stdout } = await run('unshare', [...isolate, 'vagrant', 'validate', '--ignore-provider'], {
    cwd: ROOT,
    env: {
      ...process.env,
      VAGRANT_CHECKPOINT_DISABLE: '1',
      VAGRANT_CWD: ROOT,
      // Keep Vagrant's state out of the checkout and the user's ~/.vagrant.d.
      VAGRANT_DOTFILE_PATH: join(dir, 'dot-vagrant'),
      VAGRANT_HOME: join(dir, 'vagrant-home'),
      LAB_CONFIG: DEFAULT_LAB_CONFIG_PATH,
    },
  });
  assert.match(stdout, /Vagrantfile validated successfully/);
  const names = [...stdout.matchAll(/==> ([\w-]+): Ignoring provider config/g)].map((m) => m[1]);
  assert.deepEqual(
    names,
    loadLabConfig(DEFAULT_LAB_CONFIG_PATH, {}, {}).nodes.map((n) => n.name),
  );
});
