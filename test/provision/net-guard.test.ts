import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { labNodes, loadLabConfig } from '../../provision/config/index.ts';
import { type Lab, netns } from '../../provision/lab.ts';
import { labCrawl } from '../../provision/lab-crawl.ts';
import { guardLabAddress, isLoopback } from '../../provision/net-guard.ts';
import { NetnsProvider } from '../../provision/providers/netns/provider.ts';
import { statusLines } from '../../scripts/lab/status.ts';
import { isRoot, leftovers, node } from './netns-support.ts';

/**
 * The host dials a lab address only when the lab holds it (two incidents: the
 * default 192.168.56.10 dialled with no lab up). "No packet" is checked with
 * Node's own `net.client.socket` diagnostics channel, published for every
 * client socket this process creates (ioredis, fetch, the MongoDB driver).
 */

/** Runs `body` and returns how many client sockets this process opened meanwhile. */
async function socketsDuring(body: () => Promise<unknown>): Promise<number> {
  let sockets = 0;
  const onSocket = () => {
    sockets++;
  };
  subscribe('net.client.socket', onSocket);
  try {
    await body();
  } finally {
    unsubscribe('net.client.socket', onSocket);
  }
  return sockets;
}

test('the socket counter sees a real connection (control for the "no socket" checks below)', async (t) => {
  const server = createServer((s) => s.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const { port } = server.address() as AddressInfo;
  const dial = () =>
    new Promise<void>((resolve) => {
      const s = connect({ host: '127.0.0.1', port }, () => s.destroy());
      s.on('close', () => resolve());
      s.on('error', () => {});
    });
  assert.equal(await socketsDuring(dial), 1);
});

const fakeRoute = (dev: string | undefined) => async () => dev;

test('loopback is always allowed; vagrant and ssh labs dial their real machines; local never leaves loopback', async () => {
  for (const ip of ['127.0.0.1', '127.0.0.12', '::1', 'localhost']) assert.ok(isLoopback(ip), ip);
  assert.ok(!isLoopback('192.168.56.10'));
  const never = async () => assert.fail('no route lookup for these');
  await guardLabAddress({ provider: { name: 'netns' }, labId: 'x' }, '127.0.0.10', never);
  await guardLabAddress({ provider: { name: 'vagrant' }, labId: 'x' }, '192.168.56.10', never);
  await guardLabAddress({ provider: { name: 'ssh' }, labId: 'x' }, '10.0.0.5', never);
  await assert.rejects(guardLabAddress({ provider: { name: 'local' }, labId: 'x' }, '192.168.56.10', never), {
    code: 'CRAWL_E_PROVIDER',
    message: /local provider's nodes live on loopback, but 192\.168\.56\.10 was asked for/,
  });
});

test('netns: the address must route through this lab bridge, else "the lab is not up" with the way out', async () => {
  const lab = { provider: { name: 'netns' as const }, labId: 'intg' };
  await guardLabAddress(lab, '10.57.10.10', fakeRoute('clab-intg'));
  for (const [dev, why] of [
    ['eth0', /through eth0, not this lab's bridge clab-intg/],
    ['clab-other', /through clab-other, not this lab's bridge clab-intg/],
    [undefined, /the host has no route to it/],
  ] as const) {
    await assert.rejects(
      guardLabAddress(lab, '192.168.56.10', fakeRoute(dev)),
      (e: Error & { hint?: string }) => {
        assert.match(e.message, /^the lab is not up \(no stand-in holds 192\.168\.56\.10\): /);
        assert.match(e.message, why);
        assert.match(e.hint ?? '', /npm run lab:up/);
        return true;
      },
    );
  }
});

test('with no lab up, lab:crawl and lab:status refuse 192.168.56.10 before opening any socket', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'crawl-lab-guard-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'lab.yaml'), 'provider: netns\nmongodb: { enabled: false }\n');
  const config = loadLabConfig(join(dir, 'lab.yaml'));
  // the default addresses, a lab id nobody brought up: exactly the incidents' situation
  const lab: Lab = {
    config,
    nodes: labNodes(config),
    provider: netns(config, { labId: 'intg', stateDir: join(dir, 'state') }, () => {}),
    choice: { name: 'netns', usable: true, why: 'test' },
    machine: 'standin',
    labId: 'intg',
    stateDir: join(dir, 'state'),
    secrets: { redisPassword: 'GuardTestPassword0', mongoPassword: 'GuardTestPassword1' },
    log: () => {},
  };
  const crawl = await socketsDuring(() =>
    assert.rejects(labCrawl(lab, { resume: false, onProgress: () => {} }), {
      code: 'CRAWL_E_PROVIDER',
      message: /^the lab is not up \(no stand-in holds 192\.168\.56\.10\)/,
    }),
  );
  assert.equal(crawl, 0, 'lab:crawl opened no socket');
  let out: { lines: string[]; down: number } | undefined;
  const status = await socketsDuring(async () => {
    out = await statusLines(lab);
  });
  assert.equal(status, 0, 'lab:status opened no socket');
  assert.equal(out?.down, 3);
  assert.match(out?.lines.at(-1) ?? '', /^the lab is not up \(no stand-in holds 192\.168\.56\.10\)/);
});

test('an address held by a running test lab namespace is accepted; another lab id is refused', {
  skip:
    !isRoot && process.env['CI'] !== 'true'
      ? 'needs root (network namespaces): run as root, as CI does'
      : false,
  timeout: 60_000,
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'crawl-lab-guard-ns-'));
  const nodes = [node('master', '10.57.10.10', 'master'), node('worker1', '10.57.10.11')];
  const provider = new NetnsProvider({ labId: 'intg', stateDir: join(dir, 'netns') });
  t.after(async () => {
    await provider.destroy(nodes).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
    assert.deepEqual(leftovers('intg', join(dir, 'netns')), []);
  });
  await provider.up(nodes);
  const sockets = await socketsDuring(async () => {
    await guardLabAddress({ provider, labId: 'intg' }, '10.57.10.10');
    await guardLabAddress({ provider, labId: 'intg' }, '10.57.10.11');
    await assert.rejects(guardLabAddress({ provider, labId: 'intx' }, '10.57.10.10'), {
      message: /through clab-intg, not this lab's bridge clab-intx/,
    });
    await assert.rejects(guardLabAddress({ provider, labId: 'intg' }, '192.168.56.10'), {
      message: /^the lab is not up \(no stand-in holds 192\.168\.56\.10\)/,
    });
  });
  assert.equal(sockets, 0, 'the guard itself never opens a socket');
});
