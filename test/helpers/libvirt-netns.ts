import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { execArgv } from '../../provision/transports/exec.ts';

/**
 * libvirt inside a network namespace the test creates, as measured in
 * shared/reference/this-machine.md (section 0): virtlogd, libvirtd, libvirt's
 * networks and dnsmasq, QEMU and vagrant all live in the namespace, so the
 * host namespace gets no bridge, no route and no firewall rule, and nothing
 * they do dials out of it. Without libvirt-daemon-system (it wants systemd)
 * libvirtd needs three fixes, applied once to this machine like an installed
 * package and left in place: the `libvirt-qemu` user and the `libvirt` group,
 * /etc/libvirt/qemu.conf running QEMU as root without a security driver, and
 * /var/log/libvirt/qemu.
 */

const QEMU_CONF = '/etc/libvirt/qemu.conf';
const QEMU_CONF_TEXT = `# written by crawl-lab's test set-up (test/helpers/libvirt-netns.ts): libvirtd
# started by hand inside a network namespace, without libvirt-daemon-system
user = "root"
group = "root"
security_driver = "none"
`;

export async function fixLibvirtHost(): Promise<void> {
  const run = (argv: string[]) => execArgv(argv, { node: 'host', nothrow: true });
  for (const group of ['libvirt', 'libvirt-qemu'])
    if ((await run(['getent', 'group', group])).exitCode !== 0) await run(['groupadd', '-r', group]);
  if ((await run(['id', 'libvirt-qemu'])).exitCode !== 0)
    await run([
      'useradd',
      '-r',
      '-g',
      'libvirt-qemu',
      '-d',
      '/var/lib/libvirt',
      '-s',
      '/usr/sbin/nologin',
      'libvirt-qemu',
    ]);
  if (!existsSync(QEMU_CONF) || !/^security_driver = "none"$/m.test(readFileSync(QEMU_CONF, 'utf8'))) {
    await mkdir('/etc/libvirt', { recursive: true });
    writeFileSync(QEMU_CONF, QEMU_CONF_TEXT);
  }
  await mkdir('/var/log/libvirt/qemu', { recursive: true });
}

export interface LibvirtNetns {
  ns: string;
  /** `ip netns exec <ns>` + argv. */
  inNs(argv: readonly string[]): string[];
  /** virsh in the namespace (qemu:///system). */
  virsh(args: readonly string[]): Promise<string>;
  /** Stops the daemons by pid and deletes the namespace; returns what it could not remove. */
  stop(): Promise<string[]>;
}

/** Creates namespace `ns`, starts virtlogd and libvirtd in it (pid files in `dir`), waits for libvirt to answer. */
export async function startLibvirtNetns(ns: string, dir: string): Promise<LibvirtNetns> {
  // Unix sockets are not per network namespace: one system libvirtd per machine
  if (await answers(LIBVIRT_SOCK))
    throw new Error(
      `another libvirtd answers on ${LIBVIRT_SOCK}: this test starts its own inside a network namespace; stop that one first (its pid: cat /run/libvirtd.pid or the -p file it was started with)`,
    );
  await fixLibvirtHost();
  const host = (argv: string[], nothrow = false) =>
    execArgv(argv, { node: 'host', nothrow, timeoutMs: 120_000 });
  const inNs = (argv: readonly string[]) => ['ip', 'netns', 'exec', ns, ...argv];
  await host(['ip', 'netns', 'add', ns]);
  await host(inNs(['ip', 'link', 'set', 'lo', 'up']));
  const pidFiles = { virtlogd: join(dir, 'virtlogd.pid'), libvirtd: join(dir, 'libvirtd.pid') };
  await host(inNs(['virtlogd', '-d', '-p', pidFiles.virtlogd]));
  await host(inNs(['libvirtd', '-d', '-p', pidFiles.libvirtd]));
  const virsh = async (args: readonly string[]) =>
    (await host(inNs(['virsh', '-c', 'qemu:///system', ...args]))).stdout;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const r = await host(inNs(['virsh', '-c', 'qemu:///system', 'version']), true);
    if (r.exitCode === 0) break;
    if (Date.now() > deadline) throw new Error(`libvirtd in ${ns} did not answer in 60 s: ${r.stderr}`);
    await new Promise((ok) => setTimeout(ok, 500));
  }
  return {
    ns,
    inNs,
    virsh,
    async stop() {
      const left: string[] = [];
      for (const [name, file] of Object.entries(pidFiles)) {
        if (!existsSync(file)) continue;
        const pid = Number(readFileSync(file, 'utf8').trim());
        if (!(pid > 0)) continue;
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          continue;
        }
        for (let i = 0; i < 50 && alive(pid); i++) await new Promise((ok) => setTimeout(ok, 100));
        if (alive(pid)) {
          process.kill(pid, 'SIGKILL');
          left.push(`${name} (pid ${pid}) needed SIGKILL`);
        }
      }
      // whatever else still runs in the namespace was started by this test (ssh masters of a lab
      // that was not destroyed, dnsmasq): ended by pid, and named
      const pids = (await host(['ip', 'netns', 'pids', ns], true)).stdout.trim().split('\n').filter(Boolean);
      for (const pid of pids.map(Number)) {
        try {
          process.kill(pid, 'SIGTERM');
        } catch {}
      }
      if (pids.length > 0) left.push(`processes still in ${ns}, ended: ${pids.join(' ')}`);
      await host(['ip', 'netns', 'del', ns], true);
      return left;
    },
  };
}

const LIBVIRT_SOCK = '/run/libvirt/libvirt-sock';

function answers(socket: string): Promise<boolean> {
  return new Promise((done) => {
    const c = net.connect(socket, () => {
      c.destroy();
      done(true);
    });
    c.on('error', () => done(false));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * apt for the guests, the way a laptop's VM has it through NAT: the guests get
 * `Acquire::http::Proxy` pointing at `<listen>` inside the namespace, a small
 * forwarder there carries each connection over a Unix socket to an HTTP proxy
 * in this process, which fetches only from the Debian mirrors named in
 * `allow`. Only the guests' package downloads leave the machine; libvirt,
 * dnsmasq and vagrant never do.
 */
export interface AptRelay {
  /** The proxy URL the guests use. */
  url: string;
  /** Hosts fetched for the guests, with counts. */
  fetched: Map<string, number>;
  stop(): Promise<void>;
}

const FORWARDER = `
import net from 'node:net';
const [sock, port] = process.argv.slice(-2);
net.createServer((c) => { const u = net.connect(sock); c.pipe(u).pipe(c); c.on('error', () => u.destroy()); u.on('error', () => c.destroy()); })
  .listen(Number(port), '0.0.0.0', () => console.log('ready'));
`;

export async function startAptRelay(o: {
  ns: LibvirtNetns;
  dir: string;
  /** Address the guests dial (the libvirt management network's host side) and port. */
  host: string;
  port: number;
  allow: readonly string[];
}): Promise<AptRelay> {
  const sock = join(o.dir, 'apt-relay.sock');
  rmSync(sock, { force: true });
  const fetched = new Map<string, number>();
  const server = http.createServer((req, res) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end('absolute URL expected (an HTTP proxy request)\n');
      return;
    }
    if (url.protocol !== 'http:' || !o.allow.includes(url.hostname)) {
      res.writeHead(403).end(`only ${o.allow.join(', ')} over http\n`);
      return;
    }
    fetched.set(url.hostname, (fetched.get(url.hostname) ?? 0) + 1);
    const headers = { ...req.headers };
    delete headers['proxy-connection'];
    const up = http.request(url, { method: req.method ?? 'GET', headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', (e) => {
      if (!res.headersSent) res.writeHead(502);
      res.end(String(e));
    });
    req.pipe(up);
  });
  await new Promise<void>((ok) => server.listen(sock, ok));
  const [file, ...args] = o.ns.inNs([
    process.execPath,
    '--input-type=module',
    '-e',
    FORWARDER,
    sock,
    String(o.port),
  ]);
  const forwarder: ChildProcess = spawn(file!, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((ok, fail) => {
    forwarder.stdout?.once('data', () => ok());
    forwarder.once('exit', (code) => fail(new Error(`the apt forwarder in ${o.ns.ns} exited ${code}`)));
  });
  return {
    url: `http://${o.host}:${o.port}`,
    fetched,
    async stop() {
      if (forwarder.exitCode === null && forwarder.pid) {
        const gone = new Promise((ok) => forwarder.once('exit', ok));
        process.kill(forwarder.pid, 'SIGTERM');
        await gone;
      }
      server.closeAllConnections();
      await new Promise((ok) => server.close(ok));
    },
  };
}
