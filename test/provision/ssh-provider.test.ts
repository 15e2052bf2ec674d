import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SshProvider } from '../../provision/providers/ssh.ts';
import { serviceState, startService } from '../../provision/services.ts';
import type { SshTransport } from '../../provision/transports/ssh.ts';
import { node, rootSkip } from './netns-support.ts';
import { startSshLab } from './ssh-lab.ts';

test('detect() needs ssh and rsync on this machine and says which one is missing', async () => {
  const here = await new SshProvider({ stateDir: '/nonexistent' }).detect();
  assert.deepEqual(here.usable, true, here.why);
  const none = await new SshProvider({ stateDir: '/nonexistent', env: { PATH: '/nonexistent' } }).detect();
  assert.equal(none.usable, false);
  assert.match(none.why, /^ssh is not installed on this machine \(apt-get install -y openssh-client/);
});

test('plan() shows the login check up runs per node, quoted, with sudo for non-root users', async () => {
  const provider = new SshProvider({ stateDir: '/var/tmp/crawl-lab-plan' });
  const nodes = [
    { ...node('master', '10.0.0.5', 'master'), ssh: { user: 'root', port: 22 } },
    { ...node('labpc3', '10.0.0.23'), ssh: { user: 'ubuntu', port: 2222, identityFile: '/keys/id one' } },
  ];
  const plan = await provider.plan(nodes);
  assert.equal(plan[0], '# write /var/tmp/crawl-lab-plan/ssh_config (Host blocks from nodes[].ssh)');
  assert.match(
    plan[1]!,
    /^ssh -F \/var\/tmp\/crawl-lab-plan\/ssh_config -o BatchMode=yes .* -- master true$/,
  );
  assert.match(plan[2]!, / -- labpc3 \$'sudo -n -- true'$/);
  await assert.rejects(provider.plan([node('bare', '10.0.0.9')]), (e: Error & { hint?: string }) => {
    assert.match(e.message, /^bare: provider ssh needs a login for this node \(nodes\[\]\.ssh\)/);
    assert.match(e.hint ?? '', /ssh: \{ user: ubuntu, port: 22, identity_file: /);
    return true;
  });
});

const skip = rootSkip('needs root (network namespaces for the sshd stand-ins): run as root, as CI does');

test('SshProvider against real sshd in network namespaces', { skip, timeout: 90_000 }, async (t) => {
  const lab = await startSshLab();
  t.after(async () => assert.deepEqual(await lab.cleanup(), [], 'nothing left behind'));
  const appDir = join(lab.dir, 'opt-crawl-lab');
  const services = { runDir: join(lab.dir, 'run-crawl-lab'), logDir: join(lab.dir, 'log-crawl-lab') };
  const lines: string[] = [];
  const make = (name: string) =>
    new SshProvider({
      stateDir: join(lab.stateDir, name),
      nodePaths: { appDir, services },
      log: (l) => lines.push(l),
    });

  await t.test(
    'up writes the lab ssh_config and checks every node answers; transports run as root',
    async () => {
      const provider = make('root');
      const nodes = lab.as('root');
      await provider.up(nodes);
      const config = readFileSync(provider.configFile, 'utf8');
      assert.match(
        config,
        /^Host alpha\n {2}HostName 10\.57\.1\.10\n {2}User root\n {2}Port 22\n {2}IdentityFile /m,
      );
      assert.equal(statSync(provider.configFile).mode & 0o777, 0o600);
      for (const n of nodes) {
        const tr = lab.track(provider.transport(n) as SshTransport);
        assert.equal((await tr.run(['sh', '-c', 'echo "$(hostname) $(id -u)"'])).stdout, `${n.name} 0\n`);
      }
    },
  );

  await t.test('up refuses a non-root login without working sudo and says how to allow it', async () => {
    const provider = make('nosudo');
    const nodes = lab.as('lab');
    await assert.rejects(provider.up(nodes.slice(0, 1)), (e: Error & { code?: string; hint?: string }) => {
      assert.equal(e.code, 'CRAWL_E_PROVIDER');
      assert.match(
        e.message,
        /^alpha: lab cannot run commands as root without a password \(sudo -n true exited 127: .*sudo.*not found/,
      );
      assert.match(e.hint ?? '', /lab ALL=\(ALL\) NOPASSWD:ALL/);
      return true;
    });
    await make('nosudo').down(nodes.slice(0, 1));
  });

  await t.test(
    'up accepts a non-root login whose sudo -n works (fake sudo: sudo is not installed here)',
    async () => {
      await lab.fakeSudo('beta');
      const provider = make('sudo');
      const beta = lab.as('lab').slice(1);
      await provider.up(beta);
      const tr = lab.track(provider.transport(beta[0]!) as SshTransport);
      assert.match(tr.commandArgv(['true']).at(-1)!, /^sudo -n -- true$/);
      await provider.down(beta);
    },
  );

  await t.test('an unreachable node fails up with its login and address', async () => {
    const provider = make('closed');
    await assert.rejects(
      provider.up(lab.as('root', 2299).slice(0, 1)),
      /^ProviderError: cannot reach alpha over SSH at root@10\.57\.1\.10:2299/,
    );
  });

  await t.test(
    'down leaves the machines running; destroy stops lab services and removes only the lab folders',
    async () => {
      const provider = make('root');
      const nodes = lab.as('root');
      const alpha = lab.track(provider.transport(nodes[0]!) as SshTransport);
      await alpha.run(['mkdir', '-p', appDir]);
      await alpha.run(['touch', join(appDir, 'crawl.mjs')]);
      assert.equal(await startService(alpha, 'site', ['sleep', '600'], {}, services), 'started');
      assert.deepEqual(await serviceState(alpha, 'site', services), { state: 'running' });

      await provider.down(nodes);
      assert.ok(lines.some((l) => /left running/.test(l)));
      assert.deepEqual(
        await serviceState(alpha, 'site', services),
        { state: 'running' },
        'down stopped nothing',
      );

      const pid = Number((await alpha.run(['cat', join(services.runDir, 'site.pid')])).stdout);
      await provider.destroy(nodes);
      assert.ok(lines.includes('alpha: stop lab service site'), lines.join('\n'));
      assert.ok(!existsSync(appDir) && !existsSync(services.runDir), 'the lab folders are gone');
      // look from inside the node without ssh (the lab's ssh state is gone); the stand-in's PID 1 reaps
      // orphans, so a stopped service leaves no zombie behind
      const inside = lab.provider.transport(lab.nodes[0]!);
      const stat = await inside.run(['ps', '-o', 'stat=', '-p', String(pid)], { nothrow: true });
      assert.equal(stat.stdout.trim(), '', 'the service process was stopped and reaped');
      assert.ok(!existsSync(join(lab.stateDir, 'root')), 'the lab ssh state is gone');
      assert.throws(
        () => provider.transport(nodes[0]!),
        (e: Error & { hint?: string }) =>
          /cannot be reached yet/.test(e.message) && /npm run lab:up/.test(e.hint ?? ''),
      );
    },
  );
});
