import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { openLab, servicesOf } from '../../provision/lab.ts';
import { SshProvider } from '../../provision/providers/ssh.ts';

/**
 * lab:status and lab:logs read each node's services where its layout keeps
 * them (a local node: <state>/local/nodes/<name>/run and log), through the
 * node's service manager; lab:ssh finds a shell for every provider.
 */
const SCRIPTS = fileURLToPath(new URL('../../scripts/lab/', import.meta.url));

function labCommand(script: string, args: string[], env: Record<string, string>) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(SCRIPTS, script), ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('a local lab: lab:status reports each service state from the node folders and lab:logs shows its log', {
  timeout: 60_000,
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'crawl-lab-status-'));
  const config = join(dir, 'lab.yaml');
  writeFileSync(config, 'provider: local\n');
  const env = { LAB_CONFIG: config, LAB_STATE: join(dir, 'state'), LAB_ID: 'intg' };
  const lab = await openLab({ configPath: config, stateDir: env.LAB_STATE, labId: 'intg', log: () => {} });
  t.after(async () => {
    await lab.provider.destroy(lab.nodes).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });
  assert.equal(lab.machine, 'local');
  assert.equal(lab.stateDir, env.LAB_STATE);
  await lab.provider.up(lab.nodes);
  const [master, worker1] = lab.nodes;
  const m = servicesOf(lab, lab.provider.transport(master!));
  assert.equal(m.kind, 'supervised');
  await m.start('site', ['sleep', '60']);
  await m.start('worker-1', ['sh', '-c', 'echo "crawled 7 pages"; exit 3']);
  for (let i = 0; i < 50 && (await m.state('worker-1')).state === 'running'; i++) await sleep(50);

  const status = labCommand('status.ts', [], env);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /^provider: local$/m);
  assert.match(status.stdout, /^ {2}master +127\.0\.0\.10 +up {3}site running, worker-1 exited 3$/m);
  assert.match(status.stdout, /^ {2}worker1 +127\.0\.0\.11 +up {3}worker-1 stopped$/m);
  assert.equal(worker1?.ip, '127.0.0.11');

  const logs = labCommand('logs.ts', ['master', 'worker-1'], env);
  assert.equal(logs.code, 0, logs.stderr);
  assert.equal(logs.stdout, '== master: worker-1\ncrawled 7 pages\n');
});

test('lab:ssh opens ssh shells with the lab ssh_config and the node as host; local ones in the node folder', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'crawl-lab-shell-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const config = join(dir, 'lab.yaml');
  writeFileSync(
    config,
    'provider: ssh\nnodes:\n  - { name: pc1, role: master, ip: 10.0.0.5, ssh: { user: ubuntu } }\n',
  );
  const lab = await openLab({ configPath: config, stateDir: join(dir, 's'), labId: 'intg', log: () => {} });
  assert.ok(lab.provider instanceof SshProvider);
  // what up writes before any shell can open (no machine here to check)
  mkdirSync(join(dir, 's', 'ssh'), { recursive: true });
  writeFileSync(lab.provider.configFile, 'Host pc1\n  HostName 10.0.0.5\n');
  const shell = await lab.provider.interactiveArgv(lab.nodes[0]!);
  assert.deepEqual(shell.argv.slice(0, 3), ['ssh', '-F', lab.provider.configFile]);
  assert.deepEqual(shell.argv.slice(-3), ['-t', '--', 'pc1']);

  writeFileSync(config, 'provider: local\n');
  const local = await openLab({ configPath: config, stateDir: join(dir, 'l'), labId: 'intg', log: () => {} });
  const here = await local.provider.interactiveArgv(local.nodes[0]!);
  assert.equal(here.cwd, join(dir, 'l', 'local', 'nodes', 'master'));
});
