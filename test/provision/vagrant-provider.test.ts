import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { quote } from 'zx';
import { detectVagrant } from '../../provision/providers/vagrant/detect.ts';
import { VagrantProvider } from '../../provision/providers/vagrant/provider.ts';
import { execArgv } from '../../provision/transports/exec.ts';
import type { SshTransport } from '../../provision/transports/ssh.ts';
import { rootSkip } from './netns-support.ts';
import { startSshLab } from './ssh-lab.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FAKE = fileURLToPath(new URL('./fixtures/vagrant/vagrant', import.meta.url));

test('detect() on this machine names, for every hypervisor, what it found, and is usable only when one of them is', async () => {
  const found = await detectVagrant(process.env);
  const has = async (tool: string) =>
    (await execArgv(['/bin/sh', '-c', 'command -v "$1"', 'sh', tool], { node: 'host', nothrow: true }))
      .exitCode === 0;
  const names = found.hypervisors.map((h) => h.name);
  assert.deepEqual(names.slice(0, 3), ['virtualbox', 'libvirt', 'vmware']);
  const vbox = found.hypervisors.find((h) => h.name === 'virtualbox')!;
  assert.equal(vbox.found, await has('VBoxManage'), vbox.why);
  if (!vbox.found) assert.equal(vbox.why, 'VBoxManage not on PATH');
  const libvirt = found.hypervisors.find((h) => h.name === 'libvirt')!;
  if (!(await has('virsh'))) assert.match(libvirt.why, /virsh (not on PATH|missing)/);
  // unusable: every hypervisor and why not; usable (a libvirtd answering, as during the real test): the usable ones
  for (const h of found.hypervisors.filter((x) => !found.usable || x.usable))
    assert.ok(found.why.includes(h.why), `the reason names ${h.name}: ${h.why}`);
  if (!(await has('vagrant'))) {
    assert.equal(found.usable, false);
    assert.match(found.why, /^vagrant is not on PATH \(install it: /);
  } else {
    assert.equal(
      found.usable,
      found.hypervisors.some((h) => h.usable),
      found.why,
    );
    assert.match(found.why, found.usable ? /^vagrant and / : /^vagrant found but no usable hypervisor \(/);
  }
});

test('detect() says vagrant is missing when it is not on PATH', async () => {
  const found = await new VagrantProvider({
    stateDir: '/nonexistent',
    root: ROOT,
    env: { PATH: '/nonexistent' },
  }).detect();
  assert.deepEqual(found.usable, false);
  assert.match(found.why, /^vagrant is not on PATH \(install it: https:\/\/developer\.hashicorp\.com/);
});

test('plan() lists the exact vagrant commands, run in the repo root, then one ssh check per node', async () => {
  const provider = new VagrantProvider({
    stateDir: '/var/tmp/lab-state',
    root: '/srv/crawl lab',
    configPath: '/srv/crawl lab/lab.yaml',
    hypervisor: 'libvirt',
  });
  const nodes = [node('master', '192.168.56.10'), node('worker1', '192.168.56.11')];
  const plan = await provider.plan(nodes);
  const env = `VAGRANT_CWD=${quote('/srv/crawl lab')} LAB_CONFIG=${quote('/srv/crawl lab/lab.yaml')}`;
  assert.deepEqual(plan.slice(0, 3), [
    `cd ${quote('/srv/crawl lab')}`,
    `${env} vagrant up --no-provision --provider=libvirt master worker1`,
    `${env} vagrant ssh-config master worker1 > ${'/var/tmp/lab-state/ssh_config'}`,
  ]);
  assert.equal(plan.length, 5);
  assert.match(plan[3]!, /^ssh -F .*ssh_config.* -o ControlMaster=auto .* -- master \$'sudo -n -- true'$/);
});

const skip = rootSkip('needs root (network namespaces for the sshd stand-ins): run as root, as CI does');

test('fake vagrant (VirtualBox, VMware and Parallels cannot run here; libvirt for real: test/lab/vagrant-libvirt-e2e.test.ts): up runs vagrant up once and vagrant ssh-config once, then every command goes over multiplexed ssh', {
  skip,
  timeout: 60_000,
}, async (t) => {
  const lab = await startSshLab();
  t.after(async () => assert.deepEqual(await lab.cleanup(), [], 'nothing left behind'));
  const bin = join(lab.dir, 'fakebin');
  mkdirSync(bin);
  copyFileSync(FAKE, join(bin, 'vagrant'));
  execArgv(['chmod', '755', join(bin, 'vagrant')], { node: 'host' });
  const calls = join(lab.dir, 'vagrant-calls.jsonl');
  const canned = join(lab.dir, 'canned-ssh-config');
  // what `vagrant ssh-config` prints, with Vagrant's usual lines; addresses are the netns sshd servers
  writeFileSync(
    canned,
    lab.nodes
      .map(
        (n) =>
          `Host ${n.name}\n  HostName ${n.ip}\n  User root\n  Port 22\n  UserKnownHostsFile /dev/null\n  StrictHostKeyChecking no\n  PasswordAuthentication no\n  IdentityFile ${lab.key}\n  IdentitiesOnly yes\n  LogLevel FATAL\n`,
      )
      .join('\n'),
  );
  const lines: string[] = [];
  const provider = new VagrantProvider({
    stateDir: join(lab.dir, 'vagrant-state'),
    root: ROOT,
    configPath: join(ROOT, 'lab.yaml'),
    hypervisor: 'virtualbox',
    env: {
      ...process.env,
      PATH: `${bin}:${process.env['PATH'] ?? ''}`,
      FAKE_VAGRANT_LOG: calls,
      FAKE_VAGRANT_SSH_CONFIG: canned,
    },
    log: (l) => lines.push(l),
  });
  const recorded = () =>
    readFileSync(calls, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { cwd: string; vagrantCwd: string; labConfig: string; argv: string[] });

  await provider.up(lab.nodes);
  const ups = recorded();
  assert.deepEqual(
    ups.map((c) => c.argv),
    [
      ['up', '--no-provision', '--provider=virtualbox', 'alpha', 'beta'],
      ['ssh-config', 'alpha', 'beta'],
    ],
  );
  for (const c of ups) {
    assert.equal(c.cwd, ROOT.replace(/\/$/, ''));
    assert.equal(c.vagrantCwd, ROOT);
    assert.equal(c.labConfig, join(ROOT, 'lab.yaml'));
  }
  assert.ok(
    lines.includes('  ==> fake vagrant: up --no-provision --provider=virtualbox alpha beta'),
    'vagrant output is streamed',
  );
  assert.equal(readFileSync(provider.configFile, 'utf8'), readFileSync(canned, 'utf8'));
  assert.equal(statSync(provider.configFile).mode & 0o777, 0o600);

  for (const n of lab.nodes) {
    const tr = lab.track(provider.transport(n) as SshTransport);
    assert.equal(
      (await tr.run(['hostname'])).stdout,
      `${n.name}\n`,
      'a real command over ssh reached the node',
    );
    const argv = tr.commandArgv(['hostname']);
    assert.deepEqual(argv.slice(0, 3), ['ssh', '-F', provider.configFile]);
    assert.deepEqual(argv.slice(-3), ['--', n.name, 'hostname'], 'Host = node name from the ssh_config');
    const check = await execArgv([...tr.sshArgv(), '-O', 'check', '--', n.name], {
      node: 'host',
      nothrow: true,
    });
    assert.match(check.stderr, /Master running/, 'commands share a master connection');
  }
  assert.equal(recorded().length, 2, 'commands never went through vagrant (no `vagrant ssh -c`)');

  await provider.down(lab.nodes);
  assert.deepEqual(recorded()[2]?.argv, ['halt', 'alpha', 'beta']);
  await provider.destroy(lab.nodes);
  assert.deepEqual(recorded()[3]?.argv, ['destroy', '-f', 'alpha', 'beta']);
  assert.ok(!existsSync(join(lab.dir, 'vagrant-state')), 'ssh_config, known_hosts and sockets are gone');
});

function node(name: string, ip: string) {
  return { name, role: 'worker' as const, ip, memoryMb: 1024, cpus: 1 };
}
