import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { LabConfigError, validateLabConfig } from '../../../provision/config/index.ts';
import { requireForwarded } from '../../../provision/net-guard.ts';
import { labMac, labSegment, qemuArgv, type VmSpec } from '../../../provision/providers/qemu/argv.ts';
import { availableMemoryMb, memoryShortfall } from '../../../provision/providers/qemu/machines.ts';
import { pickForwards, portFree } from '../../../provision/providers/qemu/ports.ts';
import { QemuProvider } from '../../../provision/providers/qemu/provider.ts';
import { renderQemuSshConfig } from '../../../provision/providers/qemu/ssh-config.ts';
import { pickAuto } from '../../../provision/providers/registry.ts';
import { firewallTable } from '../../../provision/steps/firewall.ts';
import type { LabNode, ProviderInfo } from '../../../provision/types.ts';

/** The qemu provider without booting anything: lab.yaml keys, the QEMU command line, ports, memory, auto's order. */

const NODES: LabNode[] = [
  { name: 'master', role: 'master', ip: '192.168.56.10', memoryMb: 1024, cpus: 2 },
  { name: 'worker1', role: 'worker', ip: '192.168.56.11', memoryMb: 768, cpus: 1 },
];

function expectConfigError(raw: unknown, key: string, mention: RegExp): void {
  assert.throws(
    () => validateLabConfig(raw, 'lab.yaml'),
    (e: unknown) => {
      assert.ok(e instanceof LabConfigError, String(e));
      assert.equal(e.key, key);
      assert.ok((e.hint ?? '').length > 10, 'says how to fix it');
      assert.match(e.explain(), mention);
      return true;
    },
  );
}

test('lab.yaml: qemu.accel, qemu.boot_timeout_s and mongodb.server have defaults and reject bad values naming the key', () => {
  const c = validateLabConfig({ provider: 'qemu' }, 'lab.yaml');
  assert.equal(c.provider, 'qemu');
  assert.deepEqual(c.qemu, { accel: 'auto', bootTimeoutS: 300 });
  assert.equal(c.mongodb.server, 'packages', "real users get MongoDB's packages");
  const set = validateLabConfig(
    { provider: 'qemu', qemu: { accel: 'tcg', boot_timeout_s: 600 }, mongodb: { server: 'binary' } },
    'lab.yaml',
  );
  assert.deepEqual(set.qemu, { accel: 'tcg', bootTimeoutS: 600 });
  assert.equal(set.mongodb.server, 'binary');
  expectConfigError({ qemu: { accel: 'kvmm' } }, 'qemu.accel', /did you mean kvm/);
  expectConfigError({ qemu: { boot_timeout_s: 5 } }, 'qemu.boot_timeout_s', /30 to 3600/);
  expectConfigError({ qemu: { cpus: 2 } }, 'qemu.cpus', /unknown key/);
  expectConfigError({ mongodb: { server: 'docker' } }, 'mongodb.server', /packages, binary/);
});

test("lab.yaml: provider qemu takes any private /24 but not QEMU's own NAT network", () => {
  const nodes = (net: string) => [
    { name: 'master', role: 'master', ip: `${net}.10` },
    { name: 'worker1', ip: `${net}.11` },
  ];
  assert.equal(
    validateLabConfig(
      { provider: 'qemu', network: { cidr: '10.58.0.0/24' }, nodes: nodes('10.58.0') },
      'lab.yaml',
    ).network.cidr,
    '10.58.0.0/24',
  );
  expectConfigError(
    { provider: 'qemu', network: { cidr: '10.0.2.0/24' }, nodes: nodes('10.0.2') },
    'network.cidr',
    /NAT/,
  );
  expectConfigError(
    { provider: 'qemu', network: { cidr: '8.8.8.0/24' }, nodes: nodes('8.8.8') },
    'network.cidr',
    /not a private network/,
  );
});

function spec(over: Partial<VmSpec> = {}): VmSpec {
  return {
    labId: 'q1',
    node: NODES[0]!,
    index: 0,
    nodes: NODES,
    accel: 'tcg',
    forwards: { 22: 40022, 6379: 40079 },
    segment: labSegment('q1', 24),
    files: {
      overlay: '/s/master.qcow2',
      kernel: '/c/vmlinuz',
      initrd: '/c/initrd.img',
      pidfile: '/s/master.pid',
      qmp: '/s/master.qmp',
      console: '/s/master.console.log',
    },
    ...over,
  };
}

const after = (argv: string[], flag: string) => argv.filter((_, i) => argv[i - 1] === flag);

test('the QEMU command line: headless, lab.yaml memory and cpus, forwards on 127.0.0.1 only, the lab network on a loopback multicast socket', () => {
  const argv = qemuArgv(spec());
  assert.equal(argv[0], 'qemu-system-x86_64');
  assert.deepEqual(after(argv, '-accel'), ['tcg']);
  assert.ok(!argv.includes('-cpu'), 'TCG emulates its default CPU');
  assert.deepEqual(after(argv, '-m'), ['1024']);
  assert.deepEqual(after(argv, '-smp'), ['2']);
  assert.deepEqual(after(argv, '-display'), ['none']);
  assert.ok(argv.includes('-daemonize'));
  assert.deepEqual(after(argv, '-serial'), ['file:/s/master.console.log']);
  assert.deepEqual(after(argv, '-pidfile'), ['/s/master.pid']);
  assert.deepEqual(after(argv, '-qmp'), ['unix:/s/master.qmp,server=on,wait=off']);
  assert.deepEqual(after(argv, '-name'), ['crawl-lab-q1-master,process=crawl-lab-q1-master']);
  const [nat, lab] = after(argv, '-netdev');
  // ssh on the NAT address; the lab's services on the lab address, where they listen
  assert.equal(
    nat,
    'user,id=nat,hostfwd=tcp:127.0.0.1:40022-:22,hostfwd=tcp:127.0.0.1:40079-192.168.56.10:6379',
  );
  const seg = labSegment('q1', 24);
  assert.equal(lab, `socket,id=lab,mcast=${seg.group}:${seg.port},localaddr=127.0.0.1`);
  const append = after(argv, '-append')[0] ?? '';
  assert.match(append, /root=\/dev\/vda/);
  assert.match(append, /console=ttyS0/);
  assert.match(append, /crawl_lab\.hostname=master crawl_lab\.ip=192\.168\.56\.10\/24/);
  assert.match(append, /crawl_lab\.hosts=master:192\.168\.56\.10,worker1:192\.168\.56\.11/);
  assert.deepEqual(after(argv, '-kernel'), ['/c/vmlinuz']);
  assert.deepEqual(after(argv, '-drive'), ['file=/s/master.qcow2,format=qcow2,if=virtio']);
  assert.deepEqual(after(qemuArgv(spec({ accel: 'kvm' })), '-cpu'), ['host']);
});

test('each LAB_ID gets its own lab segment and MAC addresses, the same every time', () => {
  assert.deepEqual(labSegment('q1', 24), labSegment('q1', 24));
  const a = labSegment('q1', 24);
  const b = labSegment('q2', 24);
  assert.notDeepEqual([a.group, a.port], [b.group, b.port]);
  for (const s of [a, b]) {
    assert.match(s.group, /^239\.\d+\.\d+\.\d+$/);
    assert.ok(s.port >= 20000 && s.port < 40000);
  }
  assert.notEqual(labMac('q1', 0), labMac('q1', 1));
  assert.notEqual(labMac('q1', 0), labMac('q2', 0));
  assert.match(labMac('q1', 2), /^52:54:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}:02$/);
});

test('forwarded ports: a saved port still free is kept, a taken one is avoided and named', async (t) => {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  t.after(() => server.close());
  const taken = (server.address() as { port: number }).port;
  assert.equal(await portFree(taken), false);
  const notes: string[] = [];
  const first = await pickForwards([22, 6379], {}, (l) => notes.push(l));
  assert.notEqual(first[22], first[6379]);
  const again = await pickForwards([22, 6379], { 22: first[22]!, 6379: taken }, (l) => notes.push(l));
  assert.equal(again[22], first[22], 'a free saved port is kept (ssh_config stays valid across down/up)');
  assert.notEqual(again[6379], taken);
  assert.ok(await portFree(again[6379]!));
  assert.deepEqual(notes, [`127.0.0.1:${taken} (was guest port 6379) is taken now; picking another`]);
});

test('too little free memory is refused before anything is built or booted, naming the numbers and the fix', async () => {
  assert.equal(availableMemoryMb('MemTotal: 100 kB\nMemAvailable:    2097152 kB\n'), 2048);
  assert.equal(memoryShortfall(NODES, 8192), undefined);
  assert.match(memoryShortfall(NODES, 2048) ?? '', /needs 2092 MB, but only 2048 MB is available/);
  const provider = new QemuProvider({
    labId: 'qmem',
    // nothing may be created: the refusal comes first
    stateDir: '/nonexistent/crawl-lab-qmem/qemu',
    cacheDir: '/nonexistent/crawl-lab-qmem/cache',
    mirror: 'http://deb.debian.org/debian',
    suite: 'bookworm',
    prefix: 24,
    accel: 'tcg',
    bootTimeoutS: 60,
    masterPorts: [6379],
    availableMemoryMb: () => 1500,
  });
  await assert.rejects(provider.up(NODES), (e: Error & { hint?: string; code?: string }) => {
    assert.equal(e.code, 'CRAWL_E_PROVIDER', String(e));
    assert.match(e.message, /not enough free memory.*master 1024 MB, worker1 768 MB.*only 1500 MB/);
    assert.match(e.hint ?? '', /nodes\[\]\.memory/);
    return true;
  });
  assert.equal(existsSync('/nonexistent'), false, 'no state folder, no image build');
});

test('the host reaches a VM only through ports forwarded to 127.0.0.1 (network guard)', () => {
  const master = NODES[0]!;
  assert.deepEqual(requireForwarded(master, 6379, { 22: 40022, 6379: 40079 }), {
    host: '127.0.0.1',
    port: 40079,
  });
  assert.throws(() => requireForwarded(master, 6379, undefined), /the lab is not up/);
  assert.throws(
    () => requireForwarded(master, 27017, { 22: 40022 }),
    /27017 of master is not forwarded.*192\.168\.56\.10/,
  );
});

test('ssh_config: every VM is 127.0.0.1 at its forwarded port, as the image user with the image key', () => {
  const text = renderQemuSshConfig(NODES, (n) => ({ master: 40022, worker1: 40122 })[n], {
    key: '/c/id_ed25519',
    user: 'vagrant',
  });
  assert.match(
    text,
    /Host master\n {2}HostName 127\.0\.0\.1\n {2}Port 40022\n {2}User vagrant\n {2}IdentityFile "\/c\/id_ed25519"/,
  );
  assert.match(text, /Host worker1\n {2}HostName 127\.0\.0\.1\n {2}Port 40122/);
});

test('the firewall admits the host NAT address next to the lab network when the provider has one', () => {
  const table = firewallTable({ cidr: '192.168.56.0/24', ports: [6379], alsoFrom: ['10.0.2.2'] });
  assert.match(table, /ip saddr 192\.168\.56\.0\/24 tcp dport \{ 6379 \} accept/);
  assert.match(table, /ip saddr 10\.0\.2\.2 tcp dport \{ 6379 \} accept/);
  assert.notEqual(
    table,
    firewallTable({ cidr: '192.168.56.0/24', ports: [6379] }),
    'a different table (hash) without it',
  );
  assert.throws(
    () => firewallTable({ cidr: '192.168.56.0/24', ports: [6379], alsoFrom: ['10.0.2'] }),
    /not an IPv4/,
  );
});

test("auto's order: vagrant, qemu with KVM, netns, then qemu under TCG only where netns is impossible, then local", () => {
  const info = (
    name: ProviderInfo['name'],
    usable: boolean,
    tier?: ProviderInfo['tier'],
  ): { info: ProviderInfo } => ({
    info: { name, usable, why: '', ...(tier ? { tier } : {}) },
  });
  const order = (list: Array<{ info: ProviderInfo }>) => pickAuto(list)?.info.name;
  const local = info('local', true, 'last');
  assert.equal(
    order([info('vagrant', false), info('qemu', true, 'first'), info('netns', true), local]),
    'qemu',
  );
  assert.equal(
    order([info('vagrant', false), info('qemu', true, 'slow'), info('netns', true), local]),
    'netns',
  );
  assert.equal(
    order([info('vagrant', false), info('qemu', true, 'slow'), info('netns', false), local]),
    'qemu',
  );
  assert.equal(
    order([info('vagrant', true, 'first'), info('qemu', true, 'first'), info('netns', true), local]),
    'vagrant',
  );
  assert.equal(order([info('vagrant', false), info('qemu', false), info('netns', false), local]), 'local');
});
