import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureDist } from '../../lab/build/dist.ts';
import { runCrawl } from '../../lab/runner/run-crawl.ts';
import { labUp, openLab } from '../../provision/lab.ts';
import { cacheDir } from '../../provision/lab-env.ts';
import { makeProvider } from '../../provision/providers/registry.ts';
import { aptInstall } from '../../provision/steps/apt.ts';
import type { LabNode } from '../../provision/types.ts';
import { assertTruthExact, leftovers } from '../provision/netns-support.ts';
import { waitForPort } from '../provision/ssh-lab.ts';

/**
 * provider: ssh end to end. The "existing machines" are netns stand-ins with
 * Debian root filesystems (lab id sshe, 10.57.9.0/24) running their own sshd;
 * the lab then knows them only by address, user and key, like lab PCs:
 * openLab + labUp over SSH, then a small lab:crawl checked against the site's
 * ground truth. Stand-ins have no route out, so the packages the machines
 * "already have" (sshd, rsync, Redis, nftables for the firewall step) are
 * installed while preparing them.
 */
const isRoot = process.getuid?.() === 0;
const skip =
  !isRoot && process.env['CI'] !== 'true'
    ? 'needs root (network namespaces for the ssh machines): run as root, as CI does'
    : false;

const LAB_ID = 'sshe';
const NODES = [
  { name: 'master', ip: '10.57.9.10' },
  { name: 'worker1', ip: '10.57.9.11' },
  { name: 'worker2', ip: '10.57.9.12' },
];

function labYaml(key: string): string {
  const ssh = `ssh: { user: root, port: 22, identity_file: ${JSON.stringify(key)} }`;
  return `provider: ssh
network: { cidr: 10.57.9.0/24 }
nodes:
${NODES.map((n, i) => `  - { name: ${n.name}, role: ${i === 0 ? 'master' : 'worker'}, ip: ${n.ip}, ${ssh} }`).join('\n')}
crawl: { list_pages: 2 }
mongodb: { enabled: false }
`;
}

const START_SSHD = `
mkdir -p /root/.ssh /run/sshd
chmod 700 /root/.ssh
cat > /root/.ssh/authorized_keys
ssh-keygen -A >/dev/null
/usr/sbin/sshd -o ListenAddress="$1" -o PasswordAuthentication=no
`;

test('provider: ssh brings the lab up over SSH on existing machines and crawls across them', {
  skip,
  timeout: 900_000,
}, async (t) => {
  // short: ssh control sockets live below the state folder (108-byte limit)
  const dir = mkdtempSync('/tmp/clab-sshe-');
  const key = join(dir, 'id_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
  const configPath = join(dir, 'lab.yaml');
  writeFileSync(configPath, labYaml(key));
  const lines: string[] = [];
  const machineNodes: LabNode[] = NODES.map((n, i) => ({
    ...n,
    role: i === 0 ? 'master' : 'worker',
    memoryMb: 512,
    cpus: 1,
  }));
  // the machines themselves: made here, outside the lab, as a lab PC would be
  const config = { mirrors: { apt: '' } } as Parameters<typeof makeProvider>[1]['config'];
  const machines = makeProvider('netns', { config, labId: LAB_ID, stateDir: dir, cacheDir: cacheDir() });
  let lab: Awaited<ReturnType<typeof openLab>> | undefined;
  t.after(async () => {
    if (lab) await lab.provider.destroy(lab.nodes).catch(() => {});
    for (const n of machineNodes) {
      await machines
        .transport(n)
        .run(['sh', '-c', 'kill "$(cat /run/sshd.pid)"'], { nothrow: true })
        .catch(() => {});
    }
    // TCP connections must end while the bridge exists (see ssh-lab.ts cleanup)
    for (let i = 0; i < 40; i++) {
      const open = NODES.map((n) =>
        execFileSync(
          'ip',
          [
            'netns',
            'exec',
            `clab-${LAB_ID}-${n.name}`,
            'ss',
            '-Htn',
            'state',
            'connected',
            'exclude',
            'time-wait',
          ],
          { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
        ),
      ).join('');
      if (open.trim() === '') break;
      await sleep(100);
    }
    await machines.destroy(machineNodes).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
    assert.deepEqual(leftovers(LAB_ID, dir), [], 'nothing of the ssh lab is left');
  });

  await machines.up(machineNodes);
  for (const n of machineNodes) {
    const m = machines.transport(n);
    await aptInstall(m, ['openssh-server', 'rsync', 'redis-server', 'redis-tools', 'nftables']);
    await m.run(['bash', '-euo', 'pipefail', '-c', START_SSHD, 'sshd', n.ip], {
      input: readFileSync(`${key}.pub`, 'utf8'),
    });
    await waitForPort(n.ip, 22, 100);
  }

  // the lab as a learner would open it: only lab.yaml's addresses and logins
  lab = await openLab({
    configPath,
    labId: LAB_ID,
    stateDir: join(dir, 's'),
    // stand-ins reached over ssh: no systemd, the host's platform
    machine: 'standin',
    log: (l) => lines.push(l),
  });
  assert.equal(lab.provider.name, 'ssh');
  assert.match(lab.choice.why, /^chosen in lab\.yaml; ssh and rsync present/);
  await ensureDist();
  const reports = await labUp(lab);
  assert.ok(reports.some((r) => r.step === 'redis-configure' && r.status === 'changed'));
  assert.ok(reports.filter((r) => r.step === 'redis-reachable').every((r) => r.status === 'ok'));
  // the commands really went over ssh: the node sees an sshd-spawned session
  const master = lab.provider.transport(lab.nodes[0]!);
  assert.match(
    (await master.run(['sh', '-c', 'echo "$SSH_CONNECTION"'])).stdout,
    /^10\.57\.9\.1 \d+ 10\.57\.9\.10 22/,
  );

  const result = await runCrawl(lab, { resume: false });
  t.diagnostic(
    `crawl: ${result.pages} pages, per node ${JSON.stringify(result.perNode)}, ${reports.length} step reports`,
  );
  // the truth check, structured: the store document by document, the site's hit log page by page
  assertTruthExact(result.truth);
  assert.ok(
    result.workers.every((w) => w.exit === 0),
    JSON.stringify(result.workers),
  );
  for (const n of lab.nodes) assert.ok((result.perNode[n.name] ?? 0) > 0, `${n.name} did part of the work`);
  assert.ok(!lines.join('\n').includes(lab.secrets.redisPassword), 'the password is never printed');
});
