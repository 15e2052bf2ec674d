import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { quote } from 'zx';
import { NODE_LTS_VERSION } from '../../provision/node-dist.ts';
import { BOX_FILE_VERSION, BOX_NAME } from '../../provision/providers/vagrant/box.ts';
import { nodeReleaseInCache } from '../../provision/steps/node-download.ts';
import { execArgv } from '../../provision/transports/exec.ts';
import { type LibvirtNetns, startAptRelay, startLibvirtNetns } from '../helpers/libvirt-netns.ts';
import { isRoot } from '../provision/netns-support.ts';

/**
 * The Vagrant path for real, as a learner's laptop takes it (issue 11, section
 * 2): `npm run lab:box` exports the VM base image as a libvirt box, `vagrant
 * box add` installs it from the file, `vagrant up --provider libvirt` boots our
 * Vagrantfile's three machines in parallel (software emulation: lab.yaml
 * libvirt.driver qemu), then lab:up and lab:crawl run over `vagrant
 * ssh-config`. libvirtd, virtlogd, dnsmasq, QEMU, vagrant and every lab
 * command run inside a network namespace this test creates; only the guests'
 * apt downloads leave it, through a proxy limited to the Debian mirror
 * (helpers/libvirt-netns.ts). Slow under TCG: about half an hour on 2 busy
 * cores (docs/providers.md, "Vagrant with libvirt, measured").
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CI = process.env['CI'] === 'true';

function why(): string | false {
  if (CI) return false; // CI runs as root with vagrant-libvirt installed (TEST_NEEDS): never skipped there
  if (!isRoot) return 'needs root (network namespace, libvirtd): run as root, as CI does';
  return false;
}

/** vagrant-libvirt's management network: its host side is where the guests find the apt proxy. */
const MANAGEMENT_HOST = '192.168.121.1';
const APT_PROXY_PORT = 3142;
const APT_PROXY_CONF = '/etc/apt/apt.conf.d/01crawl-lab-test-proxy';

const LAB_YAML = `
provider: vagrant
box: ${BOX_NAME}
box_version: '${BOX_FILE_VERSION}'
libvirt: { driver: qemu }
network: { cidr: 192.168.60.0/24 }
nodes:
  - { name: master, role: master, ip: 192.168.60.10 }
  - { name: worker1, role: worker, ip: 192.168.60.11 }
  - { name: worker2, role: worker, ip: 192.168.60.12 }
mongodb: { server: binary }
crawl: { list_pages: 2, lease_timeout_s: 120 }
`;

test('vagrant up --provider libvirt boots our Vagrantfile from the lab:box box inside a network namespace; lab:up and lab:crawl over vagrant ssh-config match the truth; destroy and cleanup leave nothing', {
  skip: why(),
  timeout: 75 * 60_000,
}, async (t) => {
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'lab-vag-'));
  const labId = `vag${process.pid % 10_000}`;
  const ns = `${labId}-libvirt`;
  const figures: Record<string, string> = {};
  const timed = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    const out = await fn();
    figures[name] = `${((Date.now() - t0) / 1000).toFixed(0)} s`;
    return out;
  };
  const config = join(dir, 'lab.yaml');
  writeFileSync(config, LAB_YAML);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // system folders only: the first run lost its crawl to `spawn ssh` ELOOP, most likely from a PATH entry
    // under /root that other work on the machine was changing
    PATH: [
      dirname(process.execPath),
      '/usr/local/sbin',
      '/usr/local/bin',
      '/usr/sbin',
      '/usr/bin',
      '/sbin',
      '/bin',
    ].join(':'),
    LAB_CONFIG: config,
    LAB_ID: labId,
    LAB_STATE: join(dir, 'state'),
    VAGRANT_CWD: ROOT,
    VAGRANT_HOME: join(dir, 'vagrant-home'),
    VAGRANT_DOTFILE_PATH: join(dir, 'dot-vagrant'),
    VAGRANT_CHECKPOINT_DISABLE: '1',
    VAGRANT_NO_COLOR: '1',
  };
  const output: string[] = [];
  const run = async (argv: readonly string[], o: { ns?: LibvirtNetns; timeoutMs?: number } = {}) => {
    const full = o.ns ? o.ns.inNs(argv) : [...argv];
    const r = await execArgv(full, {
      node: 'host',
      cwd: ROOT,
      baseEnv: env,
      nothrow: true,
      timeoutMs: o.timeoutMs ?? 30 * 60_000,
    });
    output.push(`$ ${argv.join(' ')} (exit ${r.exitCode})`, r.stdout.trim(), r.stderr.trim());
    assert.equal(
      r.exitCode,
      0,
      `${argv.join(' ')} failed:\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`,
    );
    return r.stdout;
  };

  let libvirt: LibvirtNetns | undefined;
  let before: LibvirtObjects = { pools: [], nets: [] };
  let stopRelay: (() => Promise<void>) | undefined;
  t.after(async () => {
    const left = await cleanup(libvirt, before, run, stopRelay);
    rmSync(dir, { recursive: true, force: true });
    console.log(`vagrant-libvirt e2e figures: ${JSON.stringify(figures)}`);
    if (!t.signal.aborted) assert.deepEqual(left, [], 'the test removed everything it made');
  });

  // 1. the box, from the qemu provider's cached base image (host namespace: no network needed)
  const boxOut = await timed('lab:box', () => run(['npm', 'run', '-s', 'lab:box']));
  const box = /^box: (\S+\.box) \(/m.exec(boxOut)?.[1];
  assert.ok(box, `lab:box names the box file:\n${boxOut}`);
  assert.match(boxOut, new RegExp(`vagrant box add --force --name ${BOX_NAME} `));

  // the Node.js release the VMs get, into the host's cache now: lab:up runs inside the namespace,
  // which has no way out but the apt relay (a laptop downloads it during lab:up)
  await timed('Node.js release into the cache', () =>
    nodeReleaseInCache({ version: NODE_LTS_VERSION, mirror: '', arch: 'x64', log: (l) => output.push(l) }),
  );

  // 2. libvirt inside the namespace; the box added from the file, offline
  libvirt = await timed('libvirtd start', () => startLibvirtNetns(ns, dir));
  before = await libvirtObjects(libvirt);
  await timed('vagrant box add', () =>
    run(['vagrant', 'box', 'add', '--force', '--name', BOX_NAME, box], { ns: libvirt }),
  );
  const relay = await startAptRelay({
    ns: libvirt,
    dir,
    host: MANAGEMENT_HOST,
    port: APT_PROXY_PORT,
    allow: ['deb.debian.org'],
  });
  stopRelay = () => relay.stop();

  // 3. vagrant up of OUR Vagrantfile: the three machines boot in parallel
  const up = await timed('vagrant up (3 VMs, to ssh)', () =>
    run(['vagrant', 'up', '--no-provision', '--provider=libvirt'], { ns: libvirt }),
  );
  for (const name of ['master', 'worker1', 'worker2'])
    assert.match(up, new RegExp(`==> ${name}: Machine booted and ready!`));
  assert.match(
    up,
    /Vagrant insecure key detected/,
    'the box carries the insecure key, replaced at first boot',
  );
  const domains = await libvirt.virsh(['list', '--name']);
  assert.equal(domains.trim().split('\n').filter(Boolean).length, 3, `three running domains:\n${domains}`);

  // the guests' apt goes through the relay (a laptop's VM has NAT to the internet instead)
  const sshConfig = join(dir, 'ssh_config');
  writeFileSync(sshConfig, await run(['vagrant', 'ssh-config'], { ns: libvirt }));
  await Promise.all(
    ['master', 'worker1', 'worker2'].map((name) =>
      run(
        [
          'ssh',
          '-F',
          sshConfig,
          name,
          // ssh hands the guest's shell one string: every value quoted
          `echo ${quote(`Acquire::http::Proxy "${relay.url}";`)} | sudo tee ${quote(APT_PROXY_CONF)} >/dev/null`,
        ],
        { ns: libvirt },
      ),
    ),
  );

  // 4. lab:up and lab:crawl as on a laptop: vagrant up finds the machines running, then ssh-config
  const labUp = await timed('lab:up', () => run(['npm', 'run', '-s', 'lab:up'], { ns: libvirt }));
  assert.match(labUp, /provider: vagrant/);
  assert.ok(relay.fetched.get('deb.debian.org'), 'the guests installed packages through the relay');
  const crawl = await timed('lab:crawl (2 list pages)', () =>
    run(['npm', 'run', '-s', 'lab:crawl'], { ns: libvirt }),
  );
  assert.match(crawl, /matches the site's ground truth/);
  const guestNode = await run(
    ['ssh', '-F', join(dir, 'state', 'vagrant', 'ssh_config'), 'worker2', '/usr/local/bin/node', '--version'],
    { ns: libvirt },
  );
  assert.equal(guestNode.trim(), NODE_LTS_VERSION, "the crawler ran on the VMs' own Node");

  // 5. lab:destroy is vagrant destroy -f: no domain is left
  await timed('lab:destroy', () => run(['npm', 'run', '-s', 'lab:destroy'], { ns: libvirt }));
  assert.equal((await libvirt.virsh(['list', '--all', '--name'])).trim(), '');
  figures['whole test'] = `${((Date.now() - started) / 60_000).toFixed(1)} min`;
});

interface LibvirtObjects {
  pools: string[];
  nets: string[];
}

async function names(libvirt: LibvirtNetns, args: readonly string[]): Promise<string[]> {
  return (await libvirt.virsh(args).catch(() => ''))
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}

/** Pools and networks libvirt holds (persistent ones live in /etc/libvirt, shared by every libvirtd). */
async function libvirtObjects(libvirt: LibvirtNetns): Promise<LibvirtObjects> {
  return {
    pools: await names(libvirt, ['pool-list', '--all', '--name']),
    nets: await names(libvirt, ['net-list', '--all', '--name']),
  };
}

/**
 * Everything the test made, in reverse: the machines (if a step failed before
 * lab:destroy), the box and its pool volume, the pools and networks
 * vagrant-libvirt created (those not there before), the daemons by pid, the
 * namespace. Returns what is left.
 */
async function cleanup(
  libvirt: LibvirtNetns | undefined,
  before: LibvirtObjects,
  run: (argv: readonly string[], o?: { ns?: LibvirtNetns }) => Promise<string>,
  stopRelay: (() => Promise<void>) | undefined,
): Promise<string[]> {
  const left: string[] = [];
  const attempt = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (error) {
      left.push(`${what}: ${String(error).split('\n')[0]}`);
    }
  };
  await stopRelay?.();
  if (!libvirt) return left;
  const virsh = (args: readonly string[]) => libvirt.virsh(args);
  if ((await names(libvirt, ['list', '--all', '--name'])).length > 0)
    await attempt('vagrant destroy', () => run(['vagrant', 'destroy', '-f'], { ns: libvirt }));
  await attempt('vagrant box remove', () =>
    run(['vagrant', 'box', 'remove', '--force', '--all', BOX_NAME], { ns: libvirt }),
  );
  const now = await libvirtObjects(libvirt);
  // the box's volume (vagrant box remove leaves it) and anything else in the pools vagrant-libvirt made
  const box = BOX_NAME.replace('/', '-VAGRANTSLASH-');
  for (const pool of now.pools) {
    const made = !before.pools.includes(pool);
    for (const vol of await names(libvirt, ['vol-list', '--pool', pool]))
      if (!/^(Name\s|-+$)/.test(vol) && (made || vol.startsWith(box)))
        await attempt(`vol-delete ${vol}`, () => virsh(['vol-delete', '--pool', pool, vol.split(/\s+/)[0]!]));
    if (!made) continue;
    await virsh(['pool-destroy', pool]).catch(() => '');
    await attempt(`pool-undefine ${pool}`, () => virsh(['pool-undefine', pool]));
  }
  for (const net of now.nets.filter((n) => !before.nets.includes(n))) {
    await virsh(['net-destroy', net]).catch(() => '');
    await attempt(`net-undefine ${net}`, () => virsh(['net-undefine', net]));
  }
  for (const dom of await names(libvirt, ['list', '--all', '--name'])) left.push(`domain ${dom}`);
  left.push(...(await libvirt.stop()));
  return left;
}
