import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { layoutOf } from '../../provision/layout.ts';
import { LocalProvider, localizeNodes } from '../../provision/providers/local.ts';
import { NetnsProvider } from '../../provision/providers/netns/provider.ts';
import type { Transport } from '../../provision/types.ts';
import { node, rootSkip } from './netns-support.ts';

// The same simple cases through the local transport and the netns one (lab "t4p", 10.213.43.0/24; netns needs root and is never skipped under CI).
const n = node('one', '10.213.43.10');

async function localTransport(t: { after(fn: () => Promise<void>): void }): Promise<Transport> {
  const dir = await mkdtemp(join(tmpdir(), 'crawl-lab-local-'));
  const local = new LocalProvider({ stateDir: dir });
  await local.up([n]);
  t.after(() => rm(dir, { recursive: true, force: true }));
  return local.transport(n);
}

async function netnsTransport(t: { after(fn: () => Promise<void>): void }): Promise<Transport> {
  const netns = new NetnsProvider({ labId: 't4p', stateDir: '/var/tmp/crawl-lab-test-t4p' });
  t.after(() => netns.destroy([n]));
  await netns.up([n]);
  return netns.transport(n);
}

/** The same simple cases, asked of one transport; both must give these answers. */
async function sameAnswers(name: string, tr: Transport, src: string): Promise<void> {
  assert.deepEqual(
    await tr.run(['printf', '%s|', 'a b', '$(x)']),
    { exitCode: 0, stdout: 'a b|$(x)|', stderr: '' },
    name,
  );
  assert.equal((await tr.run(['cat'], { input: 'from stdin' })).stdout, 'from stdin', name);
  assert.equal(
    (await tr.run(['sh', '-c', 'echo "$LAB_X"'], { env: { LAB_X: 'v 1' } })).stdout,
    'v 1\n',
    name,
  );
  const failed = await tr.run(['sh', '-c', 'echo oops >&2; exit 3'], { nothrow: true });
  assert.deepEqual([failed.exitCode, failed.stderr], [3, 'oops\n'], name);
  await assert.rejects(tr.run(['sh', '-c', 'exit 4']), {
    code: 'CRAWL_E_NODE_COMMAND',
    exitCode: 4,
    message: /one: `sh -c exit 4` exited 4/,
  });
  const script = await tr.script('x=1\necho "$x"\nfalse\necho never\n', { nothrow: true });
  assert.deepEqual(
    [script.exitCode, script.stdout],
    [1, '1\n'],
    `${name}: scripts stop at the first failure`,
  );
  await assert.rejects(tr.run(['sleep', '5'], { timeoutMs: 200 }), {
    code: 'CRAWL_E_NODE_COMMAND',
    message: /timed out/,
  });
  const dest = join(src, `copied-${name}`);
  await tr.copy(join(src, 'a.txt'), join(dest, 'a.txt'));
  assert.equal(await readFile(join(dest, 'a.txt'), 'utf8'), 'hello\n', name);
  assert.equal((await tr.run(['cat', join(dest, 'a.txt')])).stdout, 'hello\n', name);
}

for (const [name, open, skip] of [
  ['local', localTransport, false],
  ['netns', netnsTransport, rootSkip('needs root (network namespaces): run as root, as CI does')],
] as const) {
  test(`the ${name} transport answers as every transport must: stdout, exit codes, stdin, env, nothrow, scripts and copies`, {
    skip,
    timeout: 30_000,
  }, async (t) => {
    const src = await mkdtemp(join(tmpdir(), 'crawl-lab-src-'));
    t.after(() => rm(src, { recursive: true, force: true }));
    await writeFile(join(src, 'a.txt'), 'hello\n');
    await sameAnswers(name, await open(t), src);
  });
}

test('the local provider gives each node its own folder and a loopback address instead of the lab.yaml one', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'crawl-lab-local-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const state = join(dir, 'local');
  const provider = new LocalProvider({ stateDir: state });
  const nodes = await provider.localize([
    node('master', '192.168.56.10', 'master'),
    node('worker1', '192.168.56.11'),
  ]);
  assert.deepEqual(
    nodes.map((n) => n.ip),
    ['127.0.0.10', '127.0.0.11'],
  );
  const m = `${state}/nodes/master`;
  assert.deepEqual((await provider.plan(nodes))[0], `mkdir -p ${m} ${m}/app ${m}/data ${m}/run ${m}/log`);
  await provider.up(nodes);
  const tr = provider.transport(nodes[1]!);
  assert.equal(tr.node.ip, '127.0.0.11');
  assert.equal((await tr.run(['pwd'])).stdout.trim(), join(state, 'nodes', 'worker1'));
  assert.equal(
    layoutOf(tr).appDir,
    join(state, 'nodes', 'worker1', 'app'),
    'the transport carries the node layout',
  );
  await provider.destroy(nodes);
  await assert.rejects(readFile(join(state, 'nodes', 'master')), { code: 'ENOENT' });
});

test('without loopback aliases (macOS) every local node shares 127.0.0.1', () => {
  const nodes = localizeNodes([node('master', '192.168.56.10', 'master'), node('w', '192.168.56.11')], false);
  assert.deepEqual(
    nodes.map((n) => n.ip),
    ['127.0.0.1', '127.0.0.1'],
  );
});
