import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chooseProvider } from '../../provision/choose-provider.ts';
import { type LabConfig, loadLabConfig } from '../../provision/config/index.ts';
import { openLab } from '../../provision/lab.ts';
import { SshProvider } from '../../provision/providers/ssh.ts';
import { VagrantProvider } from '../../provision/providers/vagrant/provider.ts';
import { isRoot, rootSkip } from './netns-support.ts';

/**
 * provider: auto and explicit choices. Vagrant and hypervisors cannot run on
 * this machine, so their presence is staged with fake `vagrant`/`VBoxManage`
 * scripts on PATH (tests say "(mocked hypervisor)"); netns and local are
 * detected for real, and "without root" runs as `nobody`.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function setup(t: { after(fn: () => void): void }, yaml: string, fakes: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'crawl-lab-choose-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const bin = join(dir, 'bin');
  writeFileSync(join(dir, 'lab.yaml'), yaml);
  mkdirSync(bin);
  for (const [name, body] of Object.entries(fakes)) {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  }
  const config = loadLabConfig(join(dir, 'lab.yaml'));
  return { dir, bin, config };
}

function choose(config: LabConfig, dir: string, bin: string, lines: string[] = []) {
  return chooseProvider(config, {
    config,
    labId: 'tchp',
    stateDir: join(dir, 'state'),
    cacheDir: join(dir, 'cache'),
    env: { PATH: bin },
    log: (l) => lines.push(l),
  });
}

const VAGRANT = 'echo "Vagrant 2.4.1"';
/** A virsh that cannot reach libvirt, as on a machine without libvirtd. */
const NO_LIBVIRT = 'echo "error: failed to connect to the hypervisor" >&2; exit 1';

test('(mocked hypervisor) auto picks vagrant when Vagrant and a working VirtualBox are on PATH and drives it with --provider=virtualbox', async (t) => {
  const { dir, bin, config } = setup(t, 'provider: auto\n', {
    vagrant: VAGRANT,
    VBoxManage: 'echo 7.1.6r167084',
  });
  const lines: string[] = [];
  const r = await choose(config, dir, bin, lines);
  assert.ok(r.provider instanceof VagrantProvider);
  assert.equal(r.choice.name, 'vagrant');
  assert.match(lines[0]!, /vagrant +usable +vagrant and VirtualBox 7\.1\.6 +<- picked/);
  assert.equal(lines.length, 4, `one line per candidate (vagrant, qemu, netns, local): ${lines.join(' | ')}`);
  const plan = await r.provider.plan(r.nodes);
  assert.match(
    plan.join('\n'),
    /^(VAGRANT_CWD=\S+ )?vagrant up --no-provision --provider=virtualbox master worker1 worker2$/m,
  );
  assert.ok(
    plan.some((l) => l.includes(join(dir, 'state', 'vagrant', 'ssh_config'))),
    'its ssh_config lives in the lab state folder',
  );
});

test('provider: ssh is wired: the nodes are reached with their lab.yaml logins, and a missing ssh client is named', async (t) => {
  const yaml = `provider: ssh
nodes:
  - { name: master, role: master, ip: 10.0.0.5, ssh: { user: root } }
  - { name: pc2, role: worker, ip: 10.0.0.6, ssh: { user: ubuntu, port: 2222 } }
`;
  const { dir, config } = setup(t, yaml);
  const r = await chooseProvider(config, {
    config,
    labId: 'tchp',
    stateDir: join(dir, 'state'),
    cacheDir: join(dir, 'cache'),
  });
  assert.ok(r.provider instanceof SshProvider);
  assert.match(r.choice.why, /^chosen in lab\.yaml; ssh and rsync present/);
  assert.equal(r.provider.configFile, join(dir, 'state', 'ssh', 'ssh_config'));
  assert.deepEqual(
    r.nodes.map((n) => n.ssh?.port),
    [22, 2222],
  );
  const { bin } = setup(t, yaml);
  await assert.rejects(choose(config, dir, bin), {
    code: 'CRAWL_E_LAB_CONFIG',
    message: /provider: ssh \(set in .*\) cannot run here: ssh is not installed on this machine/,
  });
});

test('provider: vagrant on this machine (no hypervisor) fails openLab with the doctor reason, touching nothing', async (t) => {
  // the real vagrant, but a libvirt that does not answer: the real Vagrant test (another lane) runs a
  // libvirtd whose socket every process of this machine sees, which makes vagrant usable here for a while
  const { dir, bin } = setup(t, 'provider: vagrant\n', { virsh: NO_LIBVIRT });
  const path = process.env['PATH'];
  process.env['PATH'] = `${bin}:${path}`;
  t.after(() => {
    process.env['PATH'] = path;
  });
  await assert.rejects(
    openLab({
      configPath: join(dir, 'lab.yaml'),
      stateDir: join(dir, 'state'),
      labId: 'tchv',
      log: () => {},
    }),
    (e: Error & { code?: string; hint?: string }) => {
      assert.equal(e.code, 'CRAWL_E_LAB_CONFIG');
      // vagrant is installed here (apt), VirtualBox/libvirt are not: the same words lab:doctor prints
      assert.match(
        e.message,
        /^provider: vagrant \(set in .*lab\.yaml\) cannot run here: vagrant (found but no usable hypervisor|is not on PATH)/,
      );
      assert.match(e.hint ?? '', /npm run lab:doctor/);
      return true;
    },
  );
  assert.ok(!existsSync(join(dir, 'state', 'vagrant')), 'no vagrant state was made');
});

test('(mocked hypervisor) a VirtualBox without its kernel module leaves vagrant unusable and auto goes on', async (t) => {
  const { dir, bin, config } = setup(t, 'provider: auto\n', {
    vagrant: VAGRANT,
    VBoxManage: 'echo "WARNING: The vboxdrv kernel module is not loaded." >&2; echo 7.0.14r161095',
  });
  const r = await choose(config, dir, bin);
  assert.deepEqual(r.candidates[0], {
    name: 'vagrant',
    usable: false,
    why: 'vagrant found but no usable hypervisor (virtualbox: VirtualBox 7.0.14 is installed but its kernel module is not loaded (sudo /sbin/vboxconfig), libvirt: virsh not on PATH, vmware: vmrun not on PATH)',
  });
  assert.equal(r.choice.name, isRoot ? 'netns' : 'local');
  assert.match(r.choice.why, /^auto; vagrant: no, .*; netns: (picked|no), .*; local: (picked|usable), /);
});

test('with no vagrant on PATH, auto picks netns as root and keeps the lab.yaml addresses', {
  skip: rootSkip('needs root: the netns branch'),
}, async (t) => {
  const { dir, bin, config } = setup(t, 'provider: auto\n');
  const r = await choose(config, dir, bin);
  assert.equal(r.choice.name, 'netns');
  assert.match(r.candidates[0]!.why, /^vagrant is not on PATH/);
  assert.deepEqual(
    r.nodes.map((n) => n.ip),
    ['192.168.56.10', '192.168.56.11', '192.168.56.12'],
  );
});

test('(mocked hypervisor) provider: vagrant without a hypervisor stops with the reason and the way out', async (t) => {
  const { dir, bin, config } = setup(t, 'provider: vagrant\n', { vagrant: VAGRANT });
  await assert.rejects(choose(config, dir, bin), (e: Error & { code?: string; hint?: string }) => {
    assert.equal(e.code, 'CRAWL_E_LAB_CONFIG');
    assert.match(
      e.message,
      /provider: vagrant \(set in .*lab\.yaml\) cannot run here: vagrant found but no usable hypervisor/,
    );
    assert.match(e.hint ?? '', /lab:doctor/);
    return true;
  });
});

/** Runs chooseProvider as `nobody` (root) or as this user, printing the result or the error code. */
const DRIVER = `
import { chooseProvider } from ${JSON.stringify(join(ROOT, 'provision/choose-provider.ts'))};
import { loadLabConfig } from ${JSON.stringify(join(ROOT, 'provision/config/index.ts'))};
const [configPath, stateDir] = process.argv.slice(1);
try {
  const config = loadLabConfig(configPath);
  const r = await chooseProvider(config, { config, labId: 'tchp', stateDir, cacheDir: stateDir });
  console.log(JSON.stringify({ name: r.choice.name, why: r.choice.why, ips: r.nodes.map((n) => n.ip) }));
} catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }
`;

function asUser(dir: string, bin: string): Promise<Record<string, unknown>> {
  const pre = isRoot ? ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', '--'] : [];
  const argv = [
    ...pre,
    process.execPath,
    '--import',
    'tsx',
    '--input-type=module',
    '-e',
    DRIVER,
    join(dir, 'lab.yaml'),
    join(dir, 'state'),
  ];
  return new Promise((resolve, reject) =>
    execFile(
      argv[0]!,
      argv.slice(1),
      { cwd: ROOT, env: { ...process.env, HOME: dir, PATH: `${bin}:${process.env['PATH']}` } },
      (error, stdout, stderr) =>
        error ? reject(new Error(stderr)) : resolve(JSON.parse(stdout) as Record<string, unknown>),
    ),
  );
}

test('without root, auto picks the rootless netns provider (user namespaces work here); provider: local gives loopback addresses', async (t) => {
  // a libvirt that does not answer, whatever libvirtd another test runs (see above)
  const { dir, bin } = setup(t, 'provider: auto\n', { virsh: NO_LIBVIRT });
  if (isRoot) chownSync(dir, 65534, 65534);
  const auto = await asUser(dir, bin);
  assert.equal(auto['name'], 'netns');
  assert.match(String(auto['why']), /rootless/);
  writeFileSync(join(dir, 'lab.yaml'), 'provider: local\n');
  const local = await asUser(dir, bin);
  assert.equal(local['name'], 'local');
  assert.deepEqual(local['ips'], ['127.0.0.10', '127.0.0.11', '127.0.0.12']);
});
