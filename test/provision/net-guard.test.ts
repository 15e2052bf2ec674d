import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { statusLines } from '../../lab/commands/status.ts';
import { runCrawl } from '../../lab/runner/run-crawl.ts';
import { labNodes, loadLabConfig } from '../../provision/config/index.ts';
import type { Lab } from '../../provision/lab.ts';
import { cacheDir } from '../../provision/lab-env.ts';
import { isLoopback, type RouteLookup } from '../../provision/net-guard.ts';
import { LocalProvider } from '../../provision/providers/local.ts';
import { NetnsProvider } from '../../provision/providers/netns/provider.ts';
import { makeProvider } from '../../provision/providers/registry.ts';
import { SshProvider } from '../../provision/providers/ssh.ts';
import { VagrantProvider } from '../../provision/providers/vagrant/provider.ts';
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

/** A fake route lookup: the kernel's answer staged, for the policy alone (the real one is tested below, as root). */
const fakeRoute =
  (dev: string | undefined): RouteLookup =>
  async () =>
    dev;
const at = (ip: string) => node('master', ip, 'master');
const netnsWith = (labId: string, route: RouteLookup) =>
  new NetnsProvider({ labId, stateDir: '/nonexistent/netns', route });

test('loopback is always allowed; vagrant and ssh labs dial their real machines; local never leaves loopback (fake route lookup)', async () => {
  for (const ip of ['127.0.0.1', '127.0.0.12', '::1', 'localhost']) assert.ok(isLoopback(ip), ip);
  assert.ok(!isLoopback('192.168.56.10'));
  const never = async () => assert.fail('no route lookup for these');
  await netnsWith('x', never).hostEndpoint(at('127.0.0.10'), 6379);
  await new VagrantProvider({ stateDir: '/nonexistent', root: '/nonexistent' }).hostEndpoint(
    at('192.168.56.10'),
    6379,
  );
  await new SshProvider({ stateDir: '/nonexistent' }).hostEndpoint(at('10.0.0.5'), 6379);
  await assert.rejects(
    new LocalProvider({ stateDir: '/nonexistent/local' }).hostEndpoint(at('192.168.56.10'), 6379),
    {
      code: 'CRAWL_E_PROVIDER',
      message: /local provider's nodes live on loopback, but 192\.168\.56\.10 was asked for/,
    },
  );
});

test('netns: the address must route through this lab bridge, else "the lab is not up" with the way out (fake route lookup)', async () => {
  await netnsWith('intg', fakeRoute('clab-intg')).hostEndpoint(at('10.57.10.10'), 6379);
  for (const [dev, why] of [
    ['eth0', /through eth0, not this lab's bridge clab-intg/],
    ['clab-other', /through clab-other, not this lab's bridge clab-intg/],
    [undefined, /the host has no route to it/],
  ] as const) {
    await assert.rejects(
      netnsWith('intg', fakeRoute(dev)).hostEndpoint(at('192.168.56.10'), 6379),
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
    provider: makeProvider('netns', {
      config,
      labId: 'intg',
      stateDir: join(dir, 'state'),
      cacheDir: cacheDir(),
    }),
    choice: { name: 'netns', usable: true, why: 'test' },
    machine: 'standin',
    labId: 'intg',
    stateDir: join(dir, 'state'),
    secrets: {
      redisPassword: 'GuardTestPassword0',
      redisAdminPassword: 'GuardTestPassword2',
      mongoPassword: 'GuardTestPassword1',
    },
    log: () => {},
  };
  const crawl = await socketsDuring(() =>
    assert.rejects(runCrawl(lab, { resume: false }), {
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
    await provider.hostEndpoint(nodes[0]!, 6379);
    await provider.hostEndpoint(nodes[1]!, 6379);
    const other = new NetnsProvider({ labId: 'intx', stateDir: join(dir, 'other') });
    await assert.rejects(other.hostEndpoint(nodes[0]!, 6379), {
      message: /through clab-intg, not this lab's bridge clab-intx/,
    });
    await assert.rejects(provider.hostEndpoint(at('192.168.56.10'), 6379), {
      message: /^the lab is not up \(no stand-in holds 192\.168\.56\.10\)/,
    });
  });
  assert.equal(sockets, 0, 'the guard itself never opens a socket');
});
