import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { NetnsProvider } from '../../provision/providers/netns/provider.ts';
import type { LabNode } from '../../provision/types.ts';
import { leftovers, node } from './netns-support.ts';

/**
 * Real machines for the ssh tests: network-namespace stand-ins WITHOUT a root
 * filesystem (lab id `ssh`, 10.57.1.0/24 unless told otherwise), each running the host's own sshd
 * with a config, host key and authorized key from a temp folder.
 *
 * The nodes share the host's files, so everything a node needs that would
 * otherwise change the host is mounted inside the node's private mount
 * namespace only: a tmpfs on /run (sshd's /run/sshd), and /etc/passwd, group
 * and shadow copies with two extra users (`lab`, login shell bash; `dashy`,
 * login shell dash). The host never sees these mounts; killing the node's
 * PID 1 (provider.destroy) ends sshd and drops them.
 */

export const LAB_ID = 'ssh';

/** A lab id and /24 of its own, so two ssh test files can run side by side. */
export interface SshLabOptions {
  /** @default LAB_ID */
  labId?: string;
  /** The first three octets. @default '10.57.1' */
  subnet?: string;
}
export const USERS = [
  { name: 'lab', uid: 4057, shell: '/bin/bash' },
  { name: 'dashy', uid: 4058, shell: '/bin/sh' },
] as const;

export interface SshLab {
  dir: string;
  provider: NetnsProvider;
  nodes: LabNode[];
  /** Client private key (root-owned, 0600). */
  key: string;
  /** Folder for transports' state (control sockets, known_hosts). */
  stateDir: string;
  /** nodes with `ssh` login settings for `user`. */
  as(user: string, port?: number): LabNode[];
  /** Closes this transport's master connection on cleanup, before the nodes go away. */
  track<T extends { close(): Promise<void> }>(transport: T): T;
  /** Replaces the node's /usr/local/bin (inside the node only) with a fake `sudo` that logs its argv here. */
  fakeSudo(nodeName: string): Promise<string>;
  /** Closes tracked connections, stops sshd, destroys the nodes; returns anything left behind (empty = clean). */
  cleanup(): Promise<string[]>;
}

const SETUP = `
dir=$1; config=$2; log=$3
mount -t tmpfs -o mode=0755 crawl-lab-ssh-run /run
mkdir -m 0755 /run/sshd
for f in passwd group shadow; do mount --bind "$dir/$f" "/etc/$f"; done
/usr/sbin/sshd -f "$config" -E "$log"
`;

export async function startSshLab(
  names: readonly string[] = ['alpha', 'beta'],
  { labId = LAB_ID, subnet = '10.57.1' }: SshLabOptions = {},
): Promise<SshLab> {
  const dir = mkdtempSync('/tmp/crawl-lab-ssh-');
  // sshd reads authorized_keys as the logging-in user, and users need their homes: let them in
  chmodSync(dir, 0o755);
  const nodes = names.map((n, i) => node(n, `${subnet}.${10 + i}`, i === 0 ? 'master' : 'worker'));
  const provider = new NetnsProvider({ labId, stateDir: join(dir, 'netns') });
  const tracked: { close(): Promise<void> }[] = [];
  const lab: SshLab = {
    dir,
    provider,
    nodes,
    key: join(dir, 'id_ed25519'),
    stateDir: join(dir, 'state'),
    as: (user, port = 22) =>
      nodes.map((n) => ({ ...n, ssh: { user, port, identityFile: join(dir, 'id_ed25519') } })),
    fakeSudo: async (nodeName) => {
      const bin = join(dir, `fakebin-${nodeName}`);
      const log = join(dir, `sudo-${nodeName}.log`);
      mkdirSync(bin, { recursive: true });
      writeFileSync(
        join(bin, 'sudo'),
        // no privileges are gained: it only proves what the transport asks sudo to run
        `#!/bin/sh\n[ "$1" = -n ] || { echo "fake sudo: expected -n first" >&2; exit 2; }\nshift\n[ "$1" = -- ] && shift\nprintf '%s\\0' "$@" > '${log}'\nexec "$@"\n`,
        { mode: 0o755 },
      );
      writeFileSync(log, '', { mode: 0o666 });
      chmodSync(log, 0o666);
      const target = nodes.find((n) => n.name === nodeName)!;
      await provider.transport(target).run(['mount', '--bind', bin, '/usr/local/bin']);
      return log;
    },
    track: (transport) => {
      tracked.push(transport);
      return transport;
    },
    cleanup: async () => {
      // Order matters: TCP connections must end while the bridge still exists. A connection cut
      // by killing the node keeps retransmitting FIN into a deleted network, and that orphan
      // socket keeps the namespace (and the host end of its veth) alive for minutes.
      for (const tr of tracked) await tr.close().catch(() => {});
      for (const n of nodes) await stopSshd(provider, n).catch(() => {});
      await provider.destroy(nodes).catch(() => {});
      rmSync(dir, { recursive: true, force: true });
      return leftovers(labId, dir);
    },
  };
  try {
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', lab.key]);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_ed25519')]);
    writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${lab.key}.pub`), { mode: 0o644 });
    writeAccounts(dir);
    await provider.up(nodes);
    for (const n of nodes) {
      const config = join(dir, `sshd-${n.name}.conf`);
      writeFileSync(config, sshdConfig(dir, n));
      await provider
        .transport(n)
        .run([
          'bash',
          '-euo',
          'pipefail',
          '-c',
          SETUP,
          'setup',
          dir,
          config,
          join(dir, `sshd-${n.name}.log`),
        ]);
      await waitForPort(n.ip, 22);
    }
  } catch (error) {
    await lab.cleanup();
    throw error;
  }
  return lab;
}

function sshdConfig(dir: string, n: LabNode): string {
  return `ListenAddress ${n.ip}
Port 22
HostKey ${dir}/host_ed25519
AuthorizedKeysFile ${dir}/authorized_keys
PidFile ${dir}/sshd-${n.name}.pid
UsePAM no
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
# the temp folder is not root-owned all the way up
StrictModes no
PrintMotd no
X11Forwarding no
`;
}

/** passwd, group and shadow: the host's plus the test users (mounted inside the nodes only). */
function writeAccounts(dir: string): void {
  const add = (file: string, lines: string[]) =>
    writeFileSync(
      join(dir, file),
      `${readFileSync(`/etc/${file}`, 'utf8').trimEnd()}\n${lines.join('\n')}\n`,
      {
        mode: file === 'shadow' ? 0o640 : 0o644,
      },
    );
  for (const u of USERS) {
    const home = join(dir, 'home', u.name);
    mkdirSync(home, { recursive: true });
    chownSync(home, u.uid, u.uid);
  }
  add(
    'passwd',
    USERS.map((u) => `${u.name}:x:${u.uid}:${u.uid}::${join(dir, 'home', u.name)}:${u.shell}`),
  );
  add(
    'group',
    USERS.map((u) => `${u.name}:x:${u.uid}:`),
  );
  // '*': no password, but not locked ('!'), so key logins work without PAM
  add(
    'shadow',
    USERS.map((u) => `${u.name}:*:19000:0:99999:7:::`),
  );
}

/** SIGTERM to sshd (it closes its connections cleanly), then wait until the node has no TCP connection left. */
async function stopSshd(provider: NetnsProvider, n: LabNode): Promise<void> {
  const t = provider.transport(n);
  await t.run(['pkill', '-TERM', '-x', 'sshd'], { nothrow: true });
  for (let i = 0; i < 40; i++) {
    const open = await t.run(['ss', '-Htn', 'state', 'connected', 'exclude', 'time-wait'], { nothrow: true });
    if (open.stdout.trim() === '') return;
    await sleep(50);
  }
}

/** Waits until something accepts TCP connections on host:port (100 tries, `intervalMs` apart). */
export async function waitForPort(host: string, port: number, intervalMs = 50): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host, port }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(intervalMs);
  }
  throw new Error(`sshd did not start listening on ${host}:${port}`);
}
