import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { installHint, osFamily } from '../../provision/doctor/install-hints.ts';
import { type DoctorReport, formatDoctor, runDoctor } from '../../provision/doctor/run.ts';
import { ensureLabTls } from '../../provision/redis-tls.ts';
import { isRoot } from './netns-support.ts';

/**
 * lab:doctor against this machine's real state, with lab.yaml files that make
 * the outcome deterministic; VirtualBox versions are staged with a fake
 * VBoxManage on PATH "(mocked hypervisor)". Nothing is changed on the machine.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'crawl-lab-doctor-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** npm run lab:doctor -- --json as a child process (as `nobody` when asked and root). */
function doctorCli(
  dir: string,
  yaml: string,
  asNobody = false,
): Promise<{ code: number; report: DoctorReport }> {
  writeFileSync(join(dir, 'lab.yaml'), yaml);
  const pre =
    asNobody && isRoot ? ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', '--'] : [];
  if (pre.length) chownSync(dir, 65534, 65534);
  const argv = [...pre, process.execPath, '--import', 'tsx', 'scripts/lab/doctor.ts', '--json'];
  const env = { ...process.env, HOME: dir, LAB_CONFIG: join(dir, 'lab.yaml'), LAB_STATE: join(dir, 'state') };
  return new Promise((resolve, reject) =>
    execFile(argv[0]!, argv.slice(1), { cwd: ROOT, env }, (error, stdout, stderr) => {
      try {
        resolve({ code: error ? Number(error.code) : 0, report: JSON.parse(stdout) as DoctorReport });
      } catch {
        reject(new Error(`no JSON from lab:doctor: ${stdout}${stderr}`));
      }
    }),
  );
}

const check = (r: DoctorReport, id: string) => {
  const c = r.checks.find((x) => x.id === id);
  assert.ok(c, `check ${id} is reported`);
  return c;
};

test('lab:doctor --json warns that a network outside 192.168.56.0/21 would stop VirtualBox, and passes for provider local', async (t) => {
  const dir = tempDir(t);
  const { code, report } = await doctorCli(dir, 'provider: local\nnetwork: { cidr: 10.99.0.0/24 }\n', true);
  const range = check(report, 'virtualbox-range');
  assert.equal(range.status, 'warn');
  assert.deepEqual(range.blocks, ['vagrant']);
  assert.match(
    range.message,
    /network 10\.99\.0\.0\/24 is outside VirtualBox's allowed host-only range 192\.168\.56\.0\/21/,
  );
  assert.match(range.fix ?? '', /192\.168\.56\.0\/24/);
  assert.equal(report.provider.chosen, 'local');
  assert.equal(check(report, 'local-tools').status, 'ok');
  assert.deepEqual(
    report.checks.filter((c) => c.status === 'fail'),
    [],
  );
  assert.equal(code, 0);
});

test('lab:doctor FAILs when the nodes need more memory than is free, and exits 1 for provider vagrant', async (t) => {
  const dir = tempDir(t);
  const nodes = ['master', 'worker1', 'worker2']
    .map(
      (n, i) =>
        `  - { name: ${n}, role: ${i ? 'worker' : 'master'}, ip: 192.168.56.${10 + i}, memory: 65536 }`,
    )
    .join('\n');
  const { code, report } = await doctorCli(dir, `provider: vagrant\nnodes:\n${nodes}\n`);
  const memory = check(report, 'memory');
  assert.equal(memory.status, 'fail');
  assert.match(memory.message, /not enough free RAM: \d+ MB free; VMs need 196608 MB/);
  assert.match(memory.fix ?? '', /lower nodes\[\]\.memory/);
  assert.equal(report.provider.chosen, 'vagrant');
  assert.equal(report.exitCode, 1);
  assert.equal(code, 1);
});

test('lab:doctor as a user without root passes provider netns in its rootless form when user namespaces work', {
  skip: process.platform !== 'linux' && 'netns is Linux only',
}, async (t) => {
  const dir = tempDir(t);
  const yaml =
    'provider: netns\nnetwork: { cidr: 10.213.45.0/24 }\nnodes: [{ name: m, role: master, ip: 10.213.45.10 }]\n';
  const { code, report } = await doctorCli(dir, yaml, true);
  const ns = check(report, 'namespaces');
  assert.equal(ns.status, 'ok', ns.message);
  assert.match(ns.message, /runs rootless \(unprivileged user namespaces available/);
  assert.equal(report.provider.chosen, 'netns');
  assert.notEqual(code, 2);
});

test('an invalid lab.yaml FAILs the doctor with the key and the fix', async (t) => {
  const dir = tempDir(t);
  const { code, report } = await doctorCli(dir, 'crawl: { list_pagez: 3 }\n');
  const yaml = check(report, 'lab.yaml');
  assert.equal(yaml.status, 'fail');
  assert.match(yaml.message, /crawl\.list_pagez: unknown key/);
  assert.match(yaml.fix ?? '', /list_pages/);
  assert.equal(report.provider.chosen, undefined);
  assert.equal(code, 1);
});

test('without redis-server on PATH the local provider FAILs with the install command for this OS', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'lab.yaml'), 'provider: local\n');
  const report = await runDoctor({
    configPath: join(dir, 'lab.yaml'),
    stateDir: dir,
    env: { PATH: join(dir, 'empty') },
  });
  const tools = check(report, 'local-tools');
  assert.equal(tools.status, 'fail');
  assert.match(tools.message, /not on PATH: redis-server, redis-cli/);
  assert.ok(tools.fix?.includes(installHint('redis-server')), tools.fix);
  assert.equal(report.exitCode, 1);
  assert.match(
    formatDoctor(report),
    /^FAIL local-tools +not on PATH: redis-server.*\[stops local\]\n +fix: /m,
  );
});

test('(mocked hypervisor) the VirtualBox range check follows the version and /etc/vbox/networks.conf', async (t) => {
  const dir = tempDir(t);
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  const fake = (version: string) => {
    writeFileSync(join(bin, 'VBoxManage'), `#!/bin/sh\necho ${version}\n`);
    chmodSync(join(bin, 'VBoxManage'), 0o755);
  };
  writeFileSync(join(dir, 'lab.yaml'), 'provider: local\nnetwork: { cidr: 10.99.0.0/24 }\n');
  const networks = join(dir, 'networks.conf');
  const run = () =>
    runDoctor({
      configPath: join(dir, 'lab.yaml'),
      stateDir: dir,
      env: { PATH: bin },
      vboxNetworksConf: networks,
    });
  fake('6.1.26r145957');
  assert.match(
    check(await run(), 'virtualbox-range').message,
    /VirtualBox 6\.1\.26 predates 6\.1\.28: any host-only range works/,
  );
  fake('7.0.14r161095');
  assert.equal(check(await run(), 'virtualbox-range').status, 'warn');
  writeFileSync(networks, '* 10.0.0.0/8 192.168.0.0/16\n');
  const allowed = check(await run(), 'virtualbox-range');
  assert.equal(allowed.status, 'ok');
  assert.match(allowed.message, /inside VirtualBox's allowed 10\.0\.0\.0\/8, 192\.168\.0\.0\/16/);
  assert.match(check(await run(), 'hypervisor').message, /VirtualBox 7\.0\.14/);
});

test('install hints name the package manager of each OS family', () => {
  assert.equal(osFamily('linux', 'ID=ubuntu\nID_LIKE=debian\n'), 'debian');
  assert.equal(osFamily('linux', 'ID="rocky"\nID_LIKE="rhel centos fedora"\n'), 'fedora');
  assert.equal(installHint('redis-server', 'debian'), 'sudo apt-get install -y redis-server');
  assert.equal(installHint('redis-server', 'macos'), 'brew install redis');
  assert.match(installHint('setsid', 'macos'), /brew install util-linux, then add .* to PATH/);
  assert.equal(installHint('redis-cli', 'fedora'), 'sudo dnf install -y redis');
});

test('where the items go: no MongoDB-protocol server warns (not blocks) with the --fix command; one in the cache (a stand-in executable) is ok', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'lab.yaml'), 'provider: local\n');
  const run = () =>
    runDoctor({
      configPath: join(dir, 'lab.yaml'),
      stateDir: dir,
      env: { PATH: join(dir, 'empty'), CRAWL_LAB_CACHE: join(dir, 'cache') },
    });
  const missing = check(await run(), 'mongodb');
  assert.equal(missing.status, 'warn');
  assert.deepEqual(missing.blocks, []);
  assert.match(missing.message, /no MongoDB-protocol server on this host: .*JSON-lines files/);
  assert.match(missing.fix ?? '', /npm run lab:doctor -- --fix/);

  mkdirSync(join(dir, 'cache', 'bin'), { recursive: true });
  writeFileSync(join(dir, 'cache', 'bin', 'ferretdb'), '#!/bin/sh\n');
  chmodSync(join(dir, 'cache', 'bin', 'ferretdb'), 0o755);
  const found = check(await run(), 'mongodb');
  assert.equal(found.status, 'ok');
  assert.ok(found.message.includes(join(dir, 'cache', 'bin', 'ferretdb')), found.message);

  writeFileSync(join(dir, 'lab.yaml'), 'provider: local\nmongodb: { enabled: false }\n');
  assert.match(check(await run(), 'mongodb').message, /mongodb.enabled is false/);
});

test('lab:doctor names the provider auto really picks: netns over qemu under TCG (tier order, not list order), with the one line on how to get real VMs', {
  skip: (!isRoot || process.platform !== 'linux') && 'needs root on Linux (netns usable)',
}, async (t) => {
  const dir = tempDir(t);
  // a fake qemu on PATH: usable under TCG, never booted (the image is not built; root + debootstrap can build it)
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  for (const tool of ['qemu-system-x86_64', 'qemu-img']) {
    writeFileSync(join(bin, tool), '#!/bin/sh\necho "QEMU emulator version 7.2.0 (fake, doctor test)"\n');
    chmodSync(join(bin, tool), 0o755);
  }
  // and a libvirt that does not answer: the real Vagrant test's libvirtd (another lane) would make
  // vagrant usable, and auto would rightly pick it
  writeFileSync(
    join(bin, 'virsh'),
    '#!/bin/sh\necho "error: failed to connect to the hypervisor" >&2; exit 1\n',
  );
  chmodSync(join(bin, 'virsh'), 0o755);
  writeFileSync(join(dir, 'lab.yaml'), 'provider: auto\n');
  const argv = [process.execPath, '--import', 'tsx', 'scripts/lab/doctor.ts'];
  const env = {
    ...process.env,
    PATH: `${bin}:${process.env['PATH']}`,
    HOME: dir,
    CRAWL_LAB_CACHE: join(dir, 'cache'),
    LAB_CONFIG: join(dir, 'lab.yaml'),
    LAB_STATE: join(dir, 'state'),
  };
  const out = await new Promise<string>((resolve) =>
    execFile(argv[0]!, argv.slice(1), { cwd: ROOT, env }, (_e, stdout, stderr) => resolve(stdout + stderr)),
  );
  assert.match(out, /provider qemu\s+usable: QEMU 7\.2\.0, KVM not probed yet/, out);
  assert.match(out, /provider netns\s+usable/, out);
  assert.match(out, /real VMs: set provider: qemu \(about \d+ minutes per lab:up here/, out);
  assert.match(out, /lab:doctor: (ready for provider netns|provider netns) \(auto\)/, out);
});

test('issue 15 §3: lab:doctor says whether Redis speaks TLS, with the lab CA once lab:up made it; TLS on the local provider or without openssl FAILs', async (t) => {
  const dir = tempDir(t);
  const stateDir = join(dir, 'state');
  const run = (yaml: string, path = process.env['PATH'] ?? '') => {
    writeFileSync(join(dir, 'lab.yaml'), yaml);
    return runDoctor({
      configPath: join(dir, 'lab.yaml'),
      stateDir,
      env: { PATH: path, CRAWL_LAB_CACHE: join(dir, 'cache') },
    });
  };
  const off = check(await run('provider: netns\n'), 'redis-tls');
  assert.equal(off.status, 'ok');
  assert.match(off.message, /^Redis TLS off \(redis\.tls: false\).*clear text/);

  const fresh = check(await run('provider: netns\nredis: { tls: true }\n'), 'redis-tls');
  assert.equal(fresh.status, 'ok');
  assert.match(
    fresh.message,
    /^Redis TLS on \(redis\.tls: true\): rediss:\/\/ on port 6379, no plaintext port; the lab CA is made at the next lab:up/,
  );
  await ensureLabTls(stateDir, 'tlsdoc', ['192.168.56.10', '127.0.0.1']);
  const made = check(await run('provider: netns\nredis: { tls: true }\n'), 'redis-tls');
  assert.match(
    made.message,
    new RegExp(`lab CA ${join(stateDir, 'tls', 'ca.crt')} \\(valid until \\d{4}-\\d\\d-\\d\\d\\)$`),
  );

  const local = check(await run('provider: local\nredis: { tls: true }\n'), 'redis-tls');
  assert.equal(local.status, 'fail');
  assert.match(local.fix ?? '', /needs root on the nodes/);
  const noOpenssl = check(
    await run('provider: netns\nredis: { tls: true }\n', join(dir, 'empty')),
    'redis-tls',
  );
  assert.equal(noOpenssl.status, 'fail');
  assert.match(noOpenssl.fix ?? '', /openssl/);
});
