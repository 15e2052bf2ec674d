import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DEBIAN_MIRROR, DEBIAN_SUITE } from '../../provision/providers/registry.ts';
import { execArgv } from '../../provision/transports/exec.ts';

/**
 * Issue 12, "a fresh machine, two commands": the README's first command, on a
 * Debian 12 machine where nothing was installed by hand. The machine is a
 * debootstrap minbase root filesystem (no redis-server, rsync, debootstrap or
 * iproute2) with only Node copied in, entered with chroot. In it: a fresh clone, then `npm install && npm run lab`, as
 * root, exactly as the README prints it. lab:up must install what the netns
 * provider needs itself (naming each package), bring the stand-ins up and
 * crawl to the site's ground truth. It needs root, and the npm registry and a
 * Debian mirror (as CI's machines have); outside CI without root it skips.
 */
const CI = process.env['CI'] === 'true';
const isRoot = process.getuid?.() === 0;
const skip = CI ? false : isRoot ? false : 'needs root (chroot, network namespaces): run as root, as CI does';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const LAB_YAML = `# the fresh-machine test's lab: small, and its own addresses (a /24 VirtualBox accepts, since auto may pick vagrant)
provider: auto
network: { cidr: 192.168.61.0/24 }
nodes:
  - { name: master, role: master, ip: 192.168.61.10 }
  - { name: worker1, role: worker, ip: 192.168.61.11 }
  - { name: worker2, role: worker, ip: 192.168.61.12 }
crawl: { list_pages: 2 }
`;

/**
 * The machine's own /, /proc, /sys, /dev and /run, mounted once under its root (made
 * private first, /dev a slave, so nothing propagates back to this host). They stay
 * mounted between commands: the network namespaces lab:up names live in the
 * machine's /run/netns, and lab:destroy (a later command) must find them. The root
 * is a mount point of its own, as `ip netns exec` needs.
 */
const MOUNT = `
set -euo pipefail
root=$1
mount --bind "$root" "$root"
mount --make-private "$root"
mount -t proc proc "$root/proc"
mount -t sysfs sys "$root/sys"
mount --rbind /dev "$root/dev"
mount --make-rslave "$root/dev"
mount -t tmpfs tmpfs "$root/run"
mkdir -p "$root/run/netns"`;

/** One command on the machine: chroot with a clean environment, as a login would give. */
const onMachine = (machine: string, script: string, config = '/root/fresh-lab.yaml'): string[] => [
  'chroot',
  machine,
  '/usr/bin/env',
  '-i',
  'HOME=/root',
  'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  `LAB_CONFIG=${config}`,
  'NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt',
  'LAB_ID=fresh',
  'TERM=dumb',
  'bash',
  '-c',
  script,
];

const sh = (argv: string[], timeoutMs = 600_000) =>
  execArgv(argv, { node: 'host', nothrow: true, timeoutMs });

test("a fresh Debian machine: a fresh clone and the README's first command (npm install && npm run lab) install what they need and crawl to the site's ground truth", {
  skip,
  timeout: 40 * 60_000,
}, async (t) => {
  const base = mkdtempSync(join(tmpdir(), 'crawl-lab-fresh-'));
  const machine = join(base, 'machine');
  const twin = join(base, 'twin');
  let mounted = false;
  let twinMounted = false;
  t.after(async () => {
    if (twinMounted) await sh(['umount', '-R', '-l', twin]);
    // the lab first (its bridge and namespaces live in this host's kernel), then the machine's files
    if (mounted) {
      await sh(onMachine(machine, 'cd /root/crawl-lab && npm run lab:destroy'), 300_000);
      await sh(['umount', '-R', '-l', machine]);
    }
    await sh(['rm', '-rf', '--one-file-system', base]);
  });

  // 1. the machine: Debian minbase, as a fresh cloud image has it, and Node copied in
  const debootstrap = await sh(
    ['debootstrap', '--variant=minbase', DEBIAN_SUITE, machine, DEBIAN_MIRROR],
    900_000,
  );
  assert.equal(debootstrap.exitCode, 0, debootstrap.stderr.slice(-2000));
  for (const tool of ['redis-server', 'rsync', 'debootstrap', 'ip'])
    assert.ok(
      !existsSync(join(machine, 'usr/bin', tool)) && !existsSync(join(machine, 'usr/sbin', tool)),
      `${tool} is absent`,
    );
  const copy = await sh(['cp', '-a', '/usr/bin/node', join(machine, 'usr/local/bin/node')]);
  assert.equal(copy.exitCode, 0, copy.stderr);
  const npmDir = join(dirname(dirname(process.execPath)), 'lib/node_modules/npm');
  mkdirSync(join(machine, 'usr/local/lib/node_modules'), { recursive: true });
  assert.equal((await sh(['cp', '-a', npmDir, join(machine, 'usr/local/lib/node_modules/npm')])).exitCode, 0);
  assert.equal(
    (await sh(['ln', '-s', '../lib/node_modules/npm/bin/npm-cli.js', join(machine, 'usr/local/bin/npm')]))
      .exitCode,
    0,
  );
  // this network's name servers and certificate authorities (the npm registry, the Go module
  // proxy and the Debian mirror are reached over TLS, here through this network's own CA): the
  // bundle where OpenSSL, Go and git read it, and also as a local CA so that installing the
  // ca-certificates package (git pulls it in) keeps it; Node is told by NODE_EXTRA_CA_CERTS
  copyFileSync('/etc/resolv.conf', join(machine, 'etc/resolv.conf'));
  mkdirSync(join(machine, 'etc/ssl/certs'), { recursive: true });
  copyFileSync('/etc/ssl/certs/ca-certificates.crt', join(machine, 'etc/ssl/certs/ca-certificates.crt'));
  mkdirSync(join(machine, 'usr/local/share/ca-certificates'), { recursive: true });
  copyFileSync(
    '/etc/ssl/certs/ca-certificates.crt',
    join(machine, 'usr/local/share/ca-certificates/this-network.crt'),
  );
  writeFileSync(
    join(machine, 'root/.npmrc'),
    'cafile=/etc/ssl/certs/ca-certificates.crt\nfund=false\naudit=false\n',
  );
  writeFileSync(join(machine, 'root/fresh-lab.yaml'), LAB_YAML);

  // 2. a fresh clone of this checkout's HEAD
  const clone = await sh(['git', 'clone', '--quiet', ROOT, join(machine, 'root/crawl-lab')]);
  assert.equal(clone.exitCode, 0, clone.stderr);

  // 3. lab:doctor --fix on a twin of this machine: it installs what lab:up would, on its own
  assert.equal((await sh(['cp', '-a', machine, twin])).exitCode, 0);
  assert.equal((await sh(['bash', '-c', MOUNT, 'mount', twin])).exitCode, 0);
  twinMounted = true;
  // (items off there: one FerretDB build, on the machine below, is enough for this test)
  writeFileSync(join(twin, 'root/twin-lab.yaml'), `${LAB_YAML}mongodb: { enabled: false }\n`);
  const fix = await sh(
    onMachine(
      twin,
      'cd /root/crawl-lab && npm install && npm run lab:doctor -- --fix',
      '/root/twin-lab.yaml',
    ),
  );
  const fixOut = `${fix.stdout}\n${fix.stderr}`;
  assert.equal(fix.exitCode, 0, fixOut.slice(-4000));
  for (const pkg of ['iproute2', 'rsync', 'debootstrap'])
    assert.match(fixOut, new RegExp(`installing ${pkg} \\(`), fixOut.slice(-4000));
  assert.match(fix.stdout, /lab:doctor --fix: provider netns/);
  assert.match(fix.stdout, /^ok +mongodb +mongodb.enabled is false/m);
  assert.match(fix.stdout, /lab:doctor: ready for provider netns \(auto\)/);
  for (const tool of ['debootstrap', 'rsync', 'ip'])
    assert.ok(
      existsSync(join(twin, 'usr/bin', tool)) || existsSync(join(twin, 'usr/sbin', tool)),
      `${tool} was installed by lab:doctor --fix`,
    );
  await sh(['umount', '-R', '-l', twin]);
  twinMounted = false;

  // 4. the README's first command, timed
  const mount = await sh(['bash', '-c', MOUNT, 'mount', machine]);
  mounted = true;
  assert.equal(mount.exitCode, 0, mount.stderr);
  const started = Date.now();
  const r = await sh(onMachine(machine, 'cd /root/crawl-lab && npm install && npm run lab'), 35 * 60_000);
  const out = `${r.stdout}\n${r.stderr}`;
  t.diagnostic(
    `npm install && npm run lab on the fresh machine: ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
  assert.equal(r.exitCode, 0, out.slice(-4000));
  // it chose the stand-ins, not local processes, and installed their packages itself, naming each
  assert.match(r.stdout, /provider: netns/, out.slice(-4000));
  for (const pkg of ['iproute2', 'rsync', 'debootstrap'])
    assert.match(out, new RegExp(`installing ${pkg} \\(`));
  assert.match(r.stdout, /matches the site's ground truth/, out.slice(-4000));
  // no Go on this machine: lab:up fetched it from the Go module proxy, built the MongoDB-protocol
  // server, and the items are in MongoDB
  assert.match(out, /MongoDB: fetching Go \(go1\.\d+\.\d+\) from the Go module proxy/, out.slice(-4000));
  assert.match(out, /MongoDB: built \/root\/\.cache\/crawl-lab\/bin\/ferretdb/, out.slice(-4000));
  assert.match(
    r.stdout,
    /matches the site's ground truth: \d+ thread documents in MongoDB /,
    out.slice(-4000),
  );
  // the first command left the clone as it was (the lock file included)
  const status = await sh(['git', '-C', join(machine, 'root/crawl-lab'), 'status', '--porcelain']);
  assert.equal(status.stdout.trim(), '', 'the fresh clone is clean after npm install && npm run lab');
});
