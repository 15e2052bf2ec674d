import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { NetnsProvider } from '../../provision/providers/netns/provider.ts';
import { execArgv } from '../../provision/transports/exec.ts';
import { leftovers, node, pidsWith, rootSkip } from './netns-support.ts';

// Lab "t4b" on 10.213.41.0/24: names and subnet used by no other test file.
const labId = 't4b';
const stateDir = `/var/tmp/crawl-lab-test-${labId}`;
const nodes = [node('alpha', '10.213.41.10', 'master'), node('beta', '10.213.41.11')];
const skip = rootSkip('needs root (network namespaces): run as root, as CI does');

test('two namespaces on the bridge reach each other, up twice changes nothing, destroy leaves nothing', {
  skip,
  timeout: 60_000,
}, async (t) => {
  const ran: string[] = [];
  const provider = new NetnsProvider({ labId, stateDir, log: (l) => ran.push(l) });
  t.after(() => provider.destroy(nodes));
  await provider.up(nodes);
  assert.ok(ran.length > 10, `first up runs the plan:\n${ran.join('\n')}`);
  const [alpha, beta] = nodes.map((n) => provider.transport(n)) as [
    ReturnType<typeof provider.transport>,
    ReturnType<typeof provider.transport>,
  ];

  assert.equal((await alpha.run(['hostname'])).stdout.trim(), 'alpha');
  assert.equal((await beta.run(['hostname'])).stdout.trim(), 'beta');
  const routes = (await beta.run(['ip', '-4', 'route'])).stdout;
  assert.doesNotMatch(routes, /default/, 'no way out of the lab');
  assert.match(routes, /10\.213\.41\.0\/24 dev eth0/);

  // a daemon started by one command outlives it: it belongs to the node's PID 1
  await alpha.run([
    'redis-server',
    '--port',
    '16441',
    '--bind',
    '10.213.41.10',
    '--protected-mode',
    'no',
    '--save',
    '',
    '--daemonize',
    'yes',
    '--dir',
    '/tmp',
    '--logfile',
    '',
  ]);
  let pong = '';
  for (let i = 0; i < 50 && pong !== 'PONG'; i++) {
    pong = (
      await beta.run(['redis-cli', '-h', '10.213.41.10', '-p', '16441', 'ping'], { nothrow: true })
    ).stdout.trim();
  }
  assert.equal(pong, 'PONG', "beta reaches the Redis bound to alpha's address");
  const fromHost = await execArgv(['redis-cli', '-h', '10.213.41.10', '-p', '16441', 'ping'], {
    node: 'host',
  });
  assert.equal(fromHost.stdout.trim(), 'PONG', "the host reaches nodes through the bridge's .1");
  const refused = await beta.run(['redis-cli', '-h', '127.0.0.1', '-p', '16441', 'ping'], { nothrow: true });
  assert.match(refused.stdout + refused.stderr, /refused/, "beta's loopback is its own, not alpha's");
  assert.equal(pidsWith('redis-server', '16441').length, 1);

  const pid1Before = readFileSync(`${stateDir}/alpha.pid1.json`, 'utf8');
  ran.length = 0;
  await provider.up(nodes);
  assert.deepEqual(ran, [], 'a second up runs nothing');
  assert.equal(readFileSync(`${stateDir}/alpha.pid1.json`, 'utf8'), pid1Before, 'same PID 1');
  assert.equal(
    (await beta.run(['redis-cli', '-h', '10.213.41.10', '-p', '16441', 'ping'])).stdout.trim(),
    'PONG',
  );

  await provider.destroy(nodes);
  assert.deepEqual(leftovers(labId, stateDir), []);
  assert.deepEqual(pidsWith('redis-server', '16441'), [], 'the daemon died with its node');
});

test('down stops the nodes and a later up brings them back', { skip, timeout: 60_000 }, async (t) => {
  const provider = new NetnsProvider({ labId, stateDir });
  t.after(() => provider.destroy(nodes));
  await provider.up(nodes);
  await provider.down(nodes);
  await assert.rejects(provider.transport(nodes[0]!).run(['true']), { code: 'CRAWL_E_PROVIDER' });
  await provider.up(nodes);
  assert.equal((await provider.transport(nodes[1]!).run(['hostname'])).stdout.trim(), 'beta');
});

test('up refuses a subnet the host already uses', { skip }, async (t) => {
  const provider = new NetnsProvider({ labId, stateDir });
  t.after(() => provider.destroy([node('x', '127.0.0.10')]));
  const hostAddr = (await execArgv(['ip', '-4', '-o', 'addr', 'show', 'dev', 'lo'], { node: 'host' })).stdout;
  assert.match(hostAddr, /127\.0\.0\.1/);
  await assert.rejects(provider.up([node('x', '127.0.0.10')]), {
    code: 'CRAWL_E_PROVIDER',
    message: /already used by the host on lo/,
  });
  assert.deepEqual(
    leftovers(labId, stateDir).filter((l) => !l.startsWith('folder')),
    [],
  );
});

test('plan quotes every word so odd node names stay single arguments', async () => {
  const provider = new NetnsProvider({ labId, stateDir });
  const odd = node("a b$(touch /tmp/pwned)'x", '10.213.41.10');
  const lines = await provider.plan([odd]);
  assert.ok(lines.includes("ip netns add $'clab-t4b-a b$(touch /tmp/pwned)\\'x'"), lines.join('\n'));
  for (const line of lines) {
    // bash parses every rendered line back into words without running anything inside them
    await execArgv(['bash', '-c', 'eval "set -- $1"', 'bash', line], { node: 'host' });
  }
  assert.equal(existsSync('/tmp/pwned'), false);
  const add = await execArgv(
    [
      'bash',
      '-c',
      'eval "set -- $1"; printf "%s\\0" "$@"',
      'bash',
      lines.find((l) => l.startsWith('ip netns add'))!,
    ],
    { node: 'host' },
  );
  assert.deepEqual(add.stdout.split('\0').slice(0, -1), [
    'ip',
    'netns',
    'add',
    "clab-t4b-a b$(touch /tmp/pwned)'x",
  ]);
});
