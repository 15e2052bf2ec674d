import assert from 'node:assert/strict';
import { existsSync, mkdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runSteps } from '../../provision/run-steps.ts';
import { execArgv } from '../../provision/transports/exec.ts';
import { SshTransport } from '../../provision/transports/ssh.ts';
import { renderSshConfig } from '../../provision/transports/ssh-config.ts';
import type { LabNode, Step } from '../../provision/types.ts';
import { rootSkip } from './netns-support.ts';
import { startSshLab } from './ssh-lab.ts';

/**
 * SshTransport against real sshd servers inside two netns stand-ins (lab id
 * `hdsshtr`, 10.64.57.0/24, its own so other ssh tests may run beside it). Needs root for the namespaces; CI runs as root.
 */
const skip = rootSkip('needs root (network namespaces for the sshd stand-ins): run as root, as CI does');

/** Words a shell would love to interpret; each must arrive exactly as written. */
const HOSTILE = [
  'a b',
  "it's",
  '"double"',
  '$(touch PWNED)',
  '`touch PWNED`',
  'x\ny',
  '*',
  '~',
  '$HOME',
  '; touch PWNED',
  '&& touch PWNED',
  '| cat',
  '',
  ' lead',
  '-n',
  'back\\slash',
  'tab\there',
  "'; touch PWNED; '",
  '中文',
];

test('SshTransport over real sshd in network namespaces', { skip, timeout: 120_000 }, async (t) => {
  const lab = await startSshLab(undefined, { labId: 'hdsshtr', subnet: '10.64.57' });
  t.after(async () => assert.deepEqual(await lab.cleanup(), [], 'the ssh lab leaves nothing behind'));
  const open = (user: string, nodeIndex = 0, extra: { sudo?: boolean; port?: number } = {}) => {
    const nodes = lab.as(user, extra.port);
    const configFile = join(lab.dir, `ssh_config-${user}-${extra.port ?? 22}`);
    writeFileSync(configFile, renderSshConfig(nodes));
    const tr = new SshTransport(nodes[nodeIndex]!, {
      configFile,
      stateDir: join(lab.stateDir, user),
      sudo: extra.sudo,
    });
    return lab.track(tr);
  };
  const root = open('root');

  await t.test(
    'run returns stdout, stderr and the exit code; a failure names the node and exit code',
    async () => {
      const ok = await root.run(['sh', '-c', 'echo out; echo err >&2; hostname']);
      assert.deepEqual(ok, { exitCode: 0, stdout: 'out\nalpha\n', stderr: 'err\n' });
      const failed = await root.run(['sh', '-c', 'echo nope >&2; exit 3'], { nothrow: true });
      assert.deepEqual(failed, { exitCode: 3, stdout: '', stderr: 'nope\n' });
      await assert.rejects(
        root.run(['sh', '-c', 'echo broken >&2; exit 4']),
        (e: Error & { code?: string }) => {
          assert.equal(e.code, 'CRAWL_E_NODE_COMMAND');
          assert.match(e.message, /^alpha: `sh -c .*` exited 4: broken$/);
          return true;
        },
      );
    },
  );

  await t.test('a remote command that exits 255 is not mistaken for an unreachable host', async () => {
    const r = await root.run(['sh', '-c', 'exit 255'], { nothrow: true });
    assert.equal(r.exitCode, 255);
  });

  await t.test('input reaches the remote command on stdin', async () => {
    const r = await root.run(['tr', 'a-z', 'A-Z'], { input: 'hello\nssh\n' });
    assert.equal(r.stdout, 'HELLO\nSSH\n');
  });

  await t.test('env reaches the command but its values never appear in errors', async () => {
    const secret = "s3cr3t value with 'quotes' and $(x)";
    const r = await root.run(['sh', '-c', 'printf %s "$LAB_SECRET"'], { env: { LAB_SECRET: secret } });
    assert.equal(r.stdout, secret);
    await assert.rejects(root.run(['sh', '-c', 'exit 1'], { env: { LAB_SECRET: secret } }), (e: Error) => {
      assert.ok(!e.message.includes('s3cr3t'), e.message);
      return true;
    });
    await assert.rejects(root.run(['true'], { env: { 'BAD NAME': 'x' } }), /not a valid shell name/);
    // the environment comes first on stdin, the command's own input after it, untouched
    const both = await root.run(['sh', '-c', 'printf "%s|" "$LAB_SECRET"; cat'], {
      env: { LAB_SECRET: 'line 1\nline 2\n' },
      input: 'input\nafter\n',
    });
    assert.equal(both.stdout, 'line 1\nline 2\n|input\nafter\n');
  });

  await t.test('timeoutMs stops waiting and reports the timeout', async () => {
    await assert.rejects(root.run(['sleep', '30'], { timeoutMs: 300 }), /timed out after 300 ms/);
    const left = await root.run(['pgrep', '-f', '^sleep 30$'], { nothrow: true });
    assert.equal(left.stdout, '', 'the remote command was killed too');
  });

  for (const [user, shell] of [
    ['root', 'bash'],
    ['lab', 'bash'],
    ['dashy', 'dash'],
  ] as const) {
    await t.test(
      `hostile argv words arrive byte-identical (login shell ${shell}, user ${user})`,
      async () => {
        const tr = user === 'root' ? root : open(user);
        const r = await tr.run(['printf', '%s\\0', ...HOSTILE], { env: { ODD: HOSTILE.join('|') } });
        assert.deepEqual(r.stdout.split('\0').slice(0, -1), HOSTILE);
        const env = await tr.run(['sh', '-c', 'printf %s "$ODD"', ...HOSTILE], {
          env: { ODD: HOSTILE.join('|') },
        });
        assert.equal(env.stdout, HOSTILE.join('|'));
        // nothing ran: the words were data, not commands (the remote cwd is the user's home)
        const pwned = await tr.run(['sh', '-c', 'ls PWNED "$HOME/PWNED" 2>/dev/null | wc -l']);
        assert.equal(pwned.stdout.trim(), '0');
      },
    );
  }

  await t.test(
    'script() runs bash -euo pipefail with the text on stdin: the first failure stops it',
    async () => {
      const ok = await root.script('x=$(echo hi)\necho "$x from $(hostname)"\n');
      assert.equal(ok.stdout, 'hi from alpha\n');
      const r = await root.script('echo before\nfalse\necho after\n', { nothrow: true });
      assert.equal(r.exitCode, 1);
      assert.equal(r.stdout, 'before\n');
    },
  );

  await t.test('copy() sends a directory, and a second copy sends nothing', async () => {
    const src = join(lab.dir, 'copy-src');
    mkdirSync(join(src, 'sub dir'), { recursive: true });
    writeFileSync(join(src, 'a.txt'), 'alpha\n');
    writeFileSync(join(src, 'sub dir', "b'$(x).txt"), 'beta\n');
    const dest = join(lab.dir, 'remote dest', 'app');
    const first = await root.copyWithReport(src, dest);
    assert.deepEqual(first.sent.sort(), ['a.txt', "sub dir/b'$(x).txt"]);
    const remoteB = join(dest, 'sub dir', "b'$(x).txt");
    assert.equal((await root.run(['cat', remoteB])).stdout, 'beta\n');
    const inode = (await root.run(['stat', '-c', '%i', remoteB])).stdout;

    const second = await root.copyWithReport(src, dest);
    assert.deepEqual(second.sent, [], 'unchanged files are not sent again');
    assert.equal((await root.run(['stat', '-c', '%i', remoteB])).stdout, inode, 'the file was not rewritten');

    writeFileSync(join(src, 'a.txt'), 'alpha two\n');
    utimesSync(join(src, 'a.txt'), new Date(), new Date(Date.now() + 5000));
    assert.deepEqual((await root.copyWithReport(src, dest)).sent, ['a.txt'], 'only the changed file');

    await root.copy(join(src, 'a.txt'), join(lab.dir, 'single', 'file.txt'));
    assert.equal((await root.run(['cat', join(lab.dir, 'single', 'file.txt')])).stdout, 'alpha two\n');
    await assert.rejects(root.copy(src, 'relative/path'), /is not absolute/);
  });

  await t.test(
    'commands share one master connection, also across transport objects; close() ends it',
    async () => {
      await root.run(['true']);
      const check = (tr: SshTransport) =>
        execArgv([...tr.sshArgv(), '-O', 'check', '--', 'alpha'], { node: 'host', nothrow: true });
      const first = await check(root);
      assert.equal(first.exitCode, 0, first.stderr);
      const pid = /pid=(\d+)/.exec(first.stderr)?.[1];
      assert.ok(pid, first.stderr);
      assert.ok(statSync(root.controlPath).isSocket(), 'the control socket lives in the lab state folder');

      const again = open('root');
      await again.run(['true']);
      assert.equal(
        /pid=(\d+)/.exec((await check(again)).stderr)?.[1],
        pid,
        'the same master serves the second transport',
      );

      await root.close();
      assert.notEqual((await check(root)).exitCode, 0, 'no master after close()');
      assert.ok(!existsSync(root.controlPath));
    },
  );

  await t.test('an unreachable host fails with who, where, the ssh error and a hint', async () => {
    const nowhere = open('root', 0, { port: 2299 });
    await assert.rejects(nowhere.run(['true']), (e: Error & { code?: string; hint?: string }) => {
      assert.equal(e.code, 'CRAWL_E_PROVIDER');
      assert.match(
        e.message,
        /^cannot reach alpha over SSH at root@10\.64\.57\.10:2299: .*Connection refused/,
      );
      assert.match(e.hint ?? '', /authorized_keys/);
      assert.match(e.hint ?? '', /npm run lab:doctor/);
      return true;
    });
  });

  await t.test(
    'a non-root login runs every command through sudo -n -- (fake sudo: sudo is not installed here)',
    async () => {
      const log = await lab.fakeSudo('beta');
      const tr = open('lab', 1, { sudo: true });
      const r = await tr.run(['printf', '%s|', 'a b', '$(x)'], { env: { K: 'v w' } });
      assert.equal(r.stdout, 'a b|$(x)|');
      const seen = (await tr.run(['cat', log])).stdout.split('\0').slice(0, -1);
      assert.deepEqual(seen, ['cat', log], 'the last command reached sudo as argv after -n --');
      const k = await tr.run(['sh', '-c', 'printf %s "$K"'], { env: { K: 'v w' } });
      assert.equal(k.stdout, 'v w', 'env is applied after sudo (sudo resets the environment)');
      const words = (await root.run(['cat', log])).stdout.split('\0').slice(0, -1);
      assert.deepEqual(words.slice(0, 2), ['sh', '-c'], 'sudo runs the env reader');
      assert.deepEqual(words.slice(-5), ['crawl-lab-env', '1', 'sh', '-c', 'printf %s "$K"']);
      assert.ok(!words.some((w) => w.includes('v w')), 'the value is not on the command line sudo sees');
    },
  );

  await t.test(
    'runSteps runs a real check-then-change step over ssh, and a re-run changes nothing',
    async () => {
      const marker = join(lab.dir, 'step-marker');
      const step: Step = {
        id: 'marker',
        appliesTo: () => true,
        async run({ transport, node }) {
          const file = `${marker}-${node.name}`;
          if ((await transport.run(['test', '-e', file], { nothrow: true })).exitCode === 0)
            return { status: 'ok' };
          await transport.run(['sh', '-c', 'hostname > "$1"', 'sh', file]);
          return { status: 'changed' };
        },
      };
      const nodes: LabNode[] = lab.as('root');
      const configFile = join(lab.dir, 'ssh_config-steps');
      writeFileSync(configFile, renderSshConfig(nodes));
      const transportOf = (n: LabNode) => {
        return lab.track(new SshTransport(n, { configFile, stateDir: join(lab.stateDir, 'steps') }));
      };
      const first = await runSteps([step], nodes, transportOf, () => {});
      assert.deepEqual(
        first.map((r) => [r.node, r.status]),
        [
          ['alpha', 'changed'],
          ['beta', 'changed'],
        ],
      );
      assert.equal(
        (await root.run(['cat', `${marker}-beta`])).stdout,
        'beta\n',
        'beta wrote its own hostname',
      );
      const second = await runSteps([step], nodes, transportOf, () => {});
      assert.ok(second.every((r) => r.status === 'ok'));
    },
  );
});
