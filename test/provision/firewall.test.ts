import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FIREWALL_TABLE, firewall, firewallOff, firewallTable } from '../../provision/steps/firewall.ts';
import { execArgv, SCRIPT_ARGV } from '../../provision/transports/exec.ts';
import type { LabNode, RunOptions, RunResult, Transport } from '../../provision/types.ts';
import { isRoot, node } from './netns-support.ts';

const skip =
  !isRoot && process.env['CI'] !== 'true'
    ? 'needs root (network namespaces and nftables): run as root, as CI does'
    : false;

test('the table admits the guarded ports from the lab network and loopback only, and its marker follows the rules', () => {
  const text = firewallTable({ cidr: '10.57.2.0/24', ports: [27017, 6379, 6379] });
  assert.match(text, /^table inet crawl_lab \{$/m);
  assert.match(text, /iifname "lo" accept/);
  assert.match(text, /ip saddr 10\.57\.2\.0\/24 tcp dport \{ 6379, 27017 \} accept/);
  assert.match(text, /tcp dport \{ 6379, 27017 \} drop/);
  const other = firewallTable({ cidr: '10.57.3.0/24', ports: [6379, 27017] });
  const marker = (t: string) => /crawl-lab ([0-9a-f]{16})/.exec(t)?.[1];
  assert.notEqual(marker(text), marker(other), 'another network is another table');
  const hinted = (re: RegExp) => (e: Error & { hint?: string }) => re.test(`${e.message} ${e.hint}`);
  assert.throws(
    () => firewallTable({ cidr: '10.57.2.0', ports: [6379] }),
    hinted(/"10\.57\.2\.0".*network\.cidr/),
  );
  assert.throws(() => firewallTable({ cidr: '10.57.2.0/24', ports: [70000] }), hinted(/70000.*redis\.port/));
});

/** Commands in a plain network namespace with the host's files (and the host's nft). */
class NsTransport implements Transport {
  constructor(
    readonly node: LabNode,
    readonly ns: string,
  ) {}
  run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    return execArgv(['ip', 'netns', 'exec', this.ns, ...argv], {
      ...options,
      node: this.node.name,
      shownArgv: argv,
    });
  }
  script(text: string, options: RunOptions = {}): Promise<RunResult> {
    return this.run(SCRIPT_ARGV, { ...options, input: text });
  }
  async copy(): Promise<void> {
    throw new Error('not needed here');
  }
  async close(): Promise<void> {}
}

const sh = (...argv: string[]) => execFileSync(argv[0]!, argv.slice(1), { stdio: 'pipe' });
const NS = { master: 'clab-fw-master', worker: 'clab-fw-worker1', out: 'clab-fw-out' };

function tryRun(...argv: string[]): void {
  try {
    sh(...argv);
  } catch {
    // absent already
  }
}

/** TCP connect from inside a namespace: 'open', 'refused' or 'timeout' (a dropped SYN). */
async function probe(ns: string, host: string, port: number): Promise<string> {
  const code = `const s=require('net').connect(+process.argv[2],process.argv[1]);const t=setTimeout(()=>{console.log('timeout');process.exit(0)},1500);s.on('connect',()=>{console.log('open');process.exit(0)});s.on('error',e=>{console.log(e.code==='ECONNREFUSED'?'refused':e.code);process.exit(0)})`;
  const r = await execArgv(['ip', 'netns', 'exec', ns, process.execPath, '-e', code, host, String(port)], {
    node: ns,
  });
  return r.stdout.trim();
}

test('on the master only the lab network reaches Redis and MongoDB ports; an outsider times out; a re-run changes nothing', {
  skip,
  timeout: 60_000,
}, async (t) => {
  const cleanup = () => {
    for (const ns of Object.values(NS)) tryRun('ip', 'netns', 'del', ns);
    tryRun('ip', 'link', 'del', 'clab-fw');
  };
  cleanup();
  const listeners: ChildProcess[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'crawl-lab-fw-'));
  t.after(async () => {
    for (const l of listeners) {
      if (l.exitCode === null && l.signalCode === null) {
        const gone = new Promise((r) => l.once('exit', r));
        l.kill('SIGKILL');
        await gone;
      }
    }
    cleanup();
    rmSync(dir, { recursive: true, force: true });
  });
  // lab network 10.57.2.0/24: a bridge, the master and a worker
  sh('ip', 'link', 'add', 'clab-fw', 'type', 'bridge');
  sh('ip', 'link', 'set', 'clab-fw', 'up');
  for (const [i, [ns, ip]] of [
    [NS.master, '10.57.2.10'],
    [NS.worker, '10.57.2.11'],
  ].entries()) {
    sh('ip', 'netns', 'add', ns!);
    sh('ip', 'link', 'add', `clab-fw-${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns!);
    sh('ip', 'link', 'set', `clab-fw-${i}`, 'master', 'clab-fw', 'up');
    sh('ip', '-n', ns!, 'link', 'set', 'lo', 'up');
    sh('ip', '-n', ns!, 'addr', 'add', `${ip}/24`, 'dev', 'eth0');
    sh('ip', '-n', ns!, 'link', 'set', 'eth0', 'up');
  }
  // an outsider on 10.57.12.0/24, wired to the master's second interface, with a route to the lab network
  sh('ip', 'netns', 'add', NS.out);
  sh('ip', '-n', NS.master, 'link', 'add', 'eth1', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', NS.out);
  sh('ip', '-n', NS.master, 'addr', 'add', '10.57.12.10/24', 'dev', 'eth1');
  sh('ip', '-n', NS.master, 'link', 'set', 'eth1', 'up');
  sh('ip', '-n', NS.out, 'link', 'set', 'lo', 'up');
  sh('ip', '-n', NS.out, 'addr', 'add', '10.57.12.20/24', 'dev', 'eth0');
  sh('ip', '-n', NS.out, 'link', 'set', 'eth0', 'up');
  sh('ip', '-n', NS.out, 'route', 'add', '10.57.2.0/24', 'via', '10.57.12.10');

  // a real Redis on 6379 and plain listeners on 27017 (MongoDB's port) and 8080 (not guarded)
  const redis = spawn(
    'ip',
    [
      'netns',
      'exec',
      NS.master,
      'redis-server',
      '--port',
      '6379',
      '--bind',
      '*',
      '--protected-mode',
      'no',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
    ],
    { stdio: 'ignore' },
  );
  listeners.push(redis);
  const listen = `for(const p of [27017,8080])require('net').createServer(s=>s.end()).listen(p,'0.0.0.0');console.log('up')`;
  const other = spawn('ip', ['netns', 'exec', NS.master, process.execPath, '-e', listen], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  listeners.push(other);
  await new Promise((r) => other.stdout!.once('data', r));
  for (let i = 0; i < 50 && (await probe(NS.worker, '10.57.2.10', 6379)) !== 'open'; i++)
    await new Promise((r) => setTimeout(r, 100));

  const targets: [string, string, number][] = [
    [NS.worker, '10.57.2.10', 6379],
    [NS.worker, '10.57.2.10', 27017],
    [NS.master, '10.57.2.10', 6379],
    [NS.master, '127.0.0.1', 27017],
    [NS.out, '10.57.12.10', 6379],
    [NS.out, '10.57.2.10', 6379],
    [NS.out, '10.57.12.10', 27017],
    [NS.out, '10.57.12.10', 8080],
  ];
  const all = () => Promise.all(targets.map(([ns, host, port]) => probe(ns, host, port)));
  assert.deepEqual(
    await all(),
    targets.map(() => 'open'),
    'before the step everyone gets in',
  );

  const master = node('master', '10.57.2.10', 'master');
  const transport = new NsTransport(master, NS.master);
  const step = firewall({ cidr: '10.57.2.0/24', ports: [6379, 27017] });
  assert.equal(step.appliesTo(master), true);
  assert.equal(step.appliesTo(node('worker1', '10.57.2.11')), false);
  const ctx = { node: master, transport, nodes: [master], log: () => {} };
  assert.deepEqual(await step.run(ctx), { status: 'changed' });
  assert.deepEqual(await all(), ['open', 'open', 'open', 'open', 'timeout', 'timeout', 'timeout', 'open']);
  const pong = await execArgv(['ip', 'netns', 'exec', NS.worker, 'redis-cli', '-h', '10.57.2.10', 'ping'], {
    node: 'w',
  });
  assert.equal(pong.stdout.trim(), 'PONG', 'the worker still reaches Redis');

  assert.deepEqual(await step.run(ctx), { status: 'ok' }, 'a second run finds the table in place');
  const tables = (await transport.run(['nft', 'list', 'tables'])).stdout;
  assert.equal(tables.split('\n').filter((l) => l.includes(FIREWALL_TABLE)).length, 1, 'one table, not two');

  // another lab network: the table is replaced in one transaction, the old rule is gone
  const moved = firewall({ cidr: '10.57.12.0/24', ports: [6379, 27017] });
  assert.deepEqual(await moved.run(ctx), { status: 'changed' });
  assert.equal(await probe(NS.out, '10.57.12.10', 6379), 'open');
  assert.equal(await probe(NS.worker, '10.57.2.10', 6379), 'timeout');

  // issue 15 §3: firewall.mode "off" removes the lab's table, and only it; a second run has nothing to do
  const off = firewallOff();
  assert.deepEqual(await off.run(ctx), { status: 'changed' });
  const left = (await transport.run(['nft', 'list', 'tables'])).stdout;
  assert.ok(!left.includes(FIREWALL_TABLE), left);
  assert.equal(await probe(NS.out, '10.57.2.10', 6379), 'open', 'the outsider gets in again');
  assert.deepEqual(await off.run(ctx), { status: 'ok' });
});
