import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { runSteps } from '../../provision/run-steps.ts';
import { redisReachable } from '../../provision/steps/redis.ts';
import { SshTransport } from '../../provision/transports/ssh.ts';
import { renderSshConfig } from '../../provision/transports/ssh-config.ts';
import type { LabNode } from '../../provision/types.ts';
import { isRoot } from './netns-support.ts';
import { startSshLab, waitForPort } from './ssh-lab.ts';

/**
 * Issue 15 §2: a secret in RunOptions.env never reaches a command line. Over a
 * real ssh login (sshd in netns stand-ins, lab id `hdsec`, 10.64.58.0/24) the
 * Redis password of redis-reachable, and a password of a longer step (as the
 * MongoDB user creation has), are sampled with `ps` on the host and inside the
 * node while the commands run. The node's processes are in a child PID
 * namespace, so the host's `ps` sees both ends; the node's own `ps` is asked too.
 */
const skip = isRoot
  ? false
  : 'needs root (network namespaces for the sshd stand-ins): run as root, as CI does';
const PASSWORD = 'hdS3cretPw9x';

test('ps on either end never shows a password sent in RunOptions.env over ssh (issue 15)', {
  skip,
  timeout: 120_000,
}, async (t) => {
  const lab = await startSshLab(['alpha', 'beta'], { labId: 'hdsec', subnet: '10.64.58' });
  // after hooks run last-registered last: the lab goes away after everything that uses it
  const undo: (() => unknown)[] = [];
  t.after(async () => {
    for (const step of undo.reverse()) await step();
    assert.deepEqual(await lab.cleanup(), [], 'the ssh lab leaves nothing behind');
  });
  const [alpha, beta] = lab.nodes as [LabNode, LabNode];
  // a real Redis with a password on the master; the password is in its config file, not its argv
  const conf = join(lab.dir, 'redis-hdsec.conf');
  const pidfile = join(lab.dir, 'redis-hdsec.pid');
  writeFileSync(
    conf,
    `bind ${alpha.ip}\nport 6379\nrequirepass ${PASSWORD}\nenable-debug-command yes\nsave ""\nappendonly no\ndir ${lab.dir}\ndaemonize yes\npidfile ${pidfile}\n`,
    { mode: 0o600 },
  );
  const inAlpha = lab.provider.transport(alpha);
  await inAlpha.run(['redis-server', conf]);
  undo.push(() => inAlpha.run(['sh', '-c', 'kill "$(cat "$1")"', 'sh', pidfile], { nothrow: true }));
  await waitForPort(alpha.ip, 6379);

  const nodes = lab.as('root');
  const configFile = join(lab.dir, 'ssh_config-hdsec');
  writeFileSync(configFile, renderSshConfig(nodes));
  const transportOf = (n: LabNode) =>
    lab.track(new SshTransport(n, { configFile, stateDir: join(lab.stateDir, 'hdsec') }));

  // ps on both ends, as often as it runs, until told to stop
  const samples: string[] = [];
  let sampling = true;
  const sampler = (async () => {
    const inBeta = lab.provider.transport(beta);
    while (sampling) {
      samples.push(execFileSync('ps', ['-eww', '-o', 'args='], { encoding: 'utf8' }));
      samples.push((await inBeta.run(['ps', '-eww', '-o', 'args='], { nothrow: true })).stdout);
      await sleep(10);
    }
  })();

  // the sampler stops whatever happens below (else it would keep the test alive)
  undo.push(async () => {
    sampling = false;
    await sampler;
  });

  // redis-reachable from the worker, held for 2 s by a DEBUG SLEEP so ps surely sees it run
  const admin = new Redis({
    host: alpha.ip,
    port: 6379,
    password: PASSWORD,
    lazyConnect: true,
    retryStrategy: () => null,
  });
  undo.push(() => admin.disconnect());
  await admin.connect();
  const slept = admin.call('DEBUG', 'SLEEP', '2');
  await sleep(100);
  const reports = await runSteps(
    [redisReachable({ port: 6379, password: PASSWORD, articleExact: false })],
    nodes,
    transportOf,
    () => {},
  );
  await slept;
  assert.deepEqual(
    reports.map((r) => [r.node, r.status]),
    [['beta', 'ok']],
  );
  // a longer step with a password in its environment (the MongoDB user creation's shape)
  const alphaSsh = transportOf(nodes[0]!);
  const long = await alphaSsh.run(['bash', '-c', 'sleep 1.5; printf %s "$LAB_MONGO_PASSWORD" | head -c 2'], {
    env: { LAB_MONGO_USER: 'crawler', LAB_MONGO_PASSWORD: PASSWORD, LAB_MONGO_DB: 'yuliao' },
  });
  assert.equal(long.stdout, PASSWORD.slice(0, 2), 'the command got the password');
  sampling = false;
  await sampler;

  const all = samples.join('\n');
  assert.ok(/redis-cli .*ping/.test(all), 'ps saw redis-cli run (the sampling covered the step)');
  assert.ok(all.includes('sleep 1.5'), 'ps saw the long step run');
  const leaks = all.split('\n').filter((line) => line.includes(PASSWORD));
  assert.deepEqual(leaks, [], 'no command line holds the password');
});
