import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { serviceSpec } from '../../provision/services.ts';
import {
  envFileText,
  exitRecordState,
  parseSystemdShow,
  serviceManagerFor,
  systemdQuote,
  systemdServices,
  unitText,
} from '../../provision/steps/systemd.ts';
import { LocalTransport } from '../../provision/transports/local.ts';
import type { RunOptions, RunResult, Transport } from '../../provision/types.ts';
import { node } from './netns-support.ts';

const HOSTILE = [
  'plain',
  'two words',
  '',
  ';',
  '$(rm -rf /)',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${...} is the point
  '${HOME}',
  '$HOME',
  '%h',
  '100%',
  '"',
  "'",
  '\\',
  'a\\nb',
  'tab\there',
  'new\nline',
  '\x01bell',
  '聊天 ✓',
  '--set=a=b',
];

/** systemd's own rules for an ExecStart= line (systemd.service "Command lines"), for the round trip. */
function parseExecStart(line: string): string[] {
  const words: string[] = [];
  let i = 0;
  const esc: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'" };
  while (i < line.length) {
    if (line[i] === ' ') {
      i++;
      continue;
    }
    assert.equal(line[i], '"', `every word is quoted, at ${line.slice(i)}`);
    let word = '';
    for (i++; line[i] !== '"'; i++) {
      assert.ok(i < line.length, 'unterminated quote');
      if (line[i] !== '\\') {
        word += line[i];
        continue;
      }
      i++;
      if (line[i] === 'x') {
        word += String.fromCharCode(Number.parseInt(line.slice(i + 1, i + 3), 16));
        i += 2;
      } else word += esc[line[i]!] ?? assert.fail(`unknown escape \\${line[i]}`);
    }
    i++;
    // after unquoting: $$ is a literal $ (variable expansion), %% a literal % (specifiers)
    words.push(word.replace(/\$\$|%%/g, (m) => m[0]!));
  }
  return words;
}

const execLine = (unit: string) => /^ExecStart=(.*)$/m.exec(unit)![1]!;

test('ExecStart words survive hostile arguments: quotes, $, %, ;, backslashes, newlines and control characters', () => {
  const argv = ['/usr/local/bin/node', ...HOSTILE];
  const unit = unitText({ name: 'worker-1', argv });
  assert.deepEqual(parseExecStart(execLine(unit)), argv);
  assert.equal(
    unit.split('\n').filter((l) => l.startsWith('ExecStart=')).length,
    1,
    'one line, newlines escaped',
  );
  assert.equal(systemdQuote('$(x) %i'), '"$$(x) %%i"');
  assert.equal(systemdQuote('a"b\\c'), '"a\\"b\\\\c"');
});

test('workers are never restarted (a finished crawl stays finished); the site restarts on failure and starts at boot', () => {
  const worker = unitText({
    name: 'worker-1',
    argv: ['/usr/local/bin/node', 'crawl.mjs'],
    envFile: '/etc/crawl-lab/worker-1.env',
  });
  assert.match(worker, /^Restart=no$/m);
  assert.doesNotMatch(worker, /WantedBy/);
  assert.match(worker, /^EnvironmentFile=\/etc\/crawl-lab\/worker-1\.env$/m);
  assert.match(worker, /^StandardOutput=append:\/var\/log\/crawl-lab\/worker-1\.log$/m);
  const site = unitText({
    name: 'site',
    argv: ['/usr/local/bin/node', 'site.mjs'],
    restart: 'on-failure',
    enable: true,
  });
  assert.match(site, /^Restart=on-failure$/m);
  assert.match(site, /^WantedBy=multi-user\.target$/m);
  assert.throws(() => unitText({ name: 'Bad Name', argv: ['/bin/true'] }), /not a safe unit name/);
  assert.throws(() => unitText({ name: 'w', argv: ['node'] }), /not an absolute path/);
});

const analyze = spawnSync('systemd-analyze', ['--version']).status === 0;
const noAnalyze =
  !analyze && process.env['CI'] !== 'true'
    ? 'systemd-analyze is not installed (apt-get install systemd)'
    : false;

test('systemd-analyze verify accepts the generated unit with hostile words, and rejects the same words unquoted (syntax only: no systemd runs here)', {
  skip: noAnalyze,
}, (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'crawl-lab-unit-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const argv = [process.execPath, ...HOSTILE];
  const good = join(dir, 'crawl-lab-worker-1.service');
  writeFileSync(good, unitText({ name: 'worker-1', argv, logDir: dir, restart: 'on-failure', enable: true }));
  const ok = spawnSync('systemd-analyze', ['verify', good], { encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(ok.stderr.trim(), '', 'no warnings');
  // control: without the quoting, the lone ';' splits the line into two commands and verify refuses
  const bad = join(dir, 'crawl-lab-bad.service');
  writeFileSync(
    bad,
    unitText({ name: 'bad', argv: [process.execPath] }).replace(
      /^ExecStart=.*$/m,
      `ExecStart=${process.execPath} a ; b`,
    ),
  );
  const refused = spawnSync('systemd-analyze', ['verify', bad], { encoding: 'utf8' });
  assert.notEqual(refused.status, 0);
});

test('environment files quote values so $, quotes and backslashes reach the program literally, and refuse newlines', () => {
  assert.equal(
    envFileText({ REDIS_URL: 'redis://:pw@10.0.0.1:6379/0', X: 'a"b$c`d\\e' }),
    'REDIS_URL="redis://:pw@10.0.0.1:6379/0"\nX="a\\"b\\$c\\`d\\\\e"\n',
  );
  assert.throws(() => envFileText({ X: 'a\nb' }), /one line/);
  assert.throws(() => envFileText({ 'BAD KEY': 'x' }), /BAD KEY/);
});

test('systemctl show is read as running, exited with its code, or stopped', () => {
  const show = (o: Record<string, string>) =>
    parseSystemdShow(
      Object.entries({ ExecMainStartTimestampMonotonic: '123', ...o })
        .map(([k, v]) => `${k}=${v}`)
        .join('\n'),
    );
  assert.deepEqual(show({ ActiveState: 'active' }), { state: 'running' });
  assert.deepEqual(
    show({ ActiveState: 'inactive', Result: 'success', ExecMainCode: '1', ExecMainStatus: '0' }),
    { state: 'exited', code: 0 },
  );
  assert.deepEqual(
    show({ ActiveState: 'failed', Result: 'exit-code', ExecMainCode: '1', ExecMainStatus: '2' }),
    { state: 'exited', code: 2 },
  );
  assert.deepEqual(
    show({ ActiveState: 'failed', Result: 'signal', ExecMainCode: '2', ExecMainStatus: '9' }),
    { state: 'exited', code: 137 },
  );
  assert.deepEqual(
    show({ ActiveState: 'inactive', Result: 'success', ExecMainCode: '2', ExecMainStatus: '15' }),
    { state: 'stopped' },
  );
  assert.deepEqual(show({ ActiveState: 'inactive', ExecMainStartTimestampMonotonic: '0' }), {
    state: 'stopped',
  });
});

/** Records what the systemd manager would run on a VM (this machine has no systemd as PID 1). */
class PlanTransport implements Transport {
  readonly node = node('master', '192.168.56.10', 'master');
  readonly calls: { argv: readonly string[]; input?: string }[] = [];
  /** `active`: the unit runs already, started with `files` (path → text) in place. */
  constructor(
    readonly active = false,
    readonly files: Record<string, string> = {},
  ) {}
  async run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    this.calls.push({ argv, ...(options.input === undefined ? {} : { input: options.input }) });
    if (argv[0] === 'cat') {
      const text = this.files[argv[1] ?? ''];
      return { exitCode: text === undefined ? 1 : 0, stdout: text ?? '', stderr: '' };
    }
    const out = argv[1] === 'is-active' ? (this.active ? 'active\n' : 'inactive\n') : '';
    return { exitCode: 0, stdout: out, stderr: '' };
  }
  script(text: string): Promise<RunResult> {
    return this.run(['bash', '-s'], { input: text });
  }
  async copy(): Promise<void> {}
  async close(): Promise<void> {}
}

test('the systemd plan on a VM: secrets only in a 0600 env file, unit written, daemon-reload, enable, start', async () => {
  const t = new PlanTransport();
  const services = serviceManagerFor(t, 'vm');
  assert.equal(services.kind, 'systemd');
  const secret = 'redis://:S3cretPassw0rd@192.168.56.10:6379/0';
  assert.equal(
    await services.start(
      'site',
      ['/usr/local/bin/node', '/opt/crawl-lab/site.mjs'],
      { REDIS_URL: secret },
      { restart: 'on-failure', enable: true },
    ),
    'started',
  );
  const plan = t.calls.map((c) => c.argv.join(' '));
  assert.ok(!plan.join('\n').includes('S3cret'), 'the password is in no command line');
  const envWrite = t.calls.find((c) => c.input?.includes('S3cret'));
  assert.match(envWrite?.argv.join(' ') ?? '', /umask 077.*\/etc\/crawl-lab\/site\.env/s);
  const order = [
    'systemctl is-active',
    'tee /etc/systemd/system/crawl-lab-site.service',
    'systemctl daemon-reload',
    'systemctl enable',
    'systemctl start',
  ];
  let at = -1;
  for (const want of order) {
    const found = plan.findIndex((p, i) => i > at && p.startsWith(want));
    assert.ok(found > at, `${want} after the previous steps in:\n${plan.join('\n')}`);
    at = found;
  }
  assert.ok(
    !t.calls.find((c) => c.argv[0] === 'tee')?.input?.includes('S3cret'),
    'the unit file has no secret',
  );
});

test('on stand-ins the same interface runs supervised processes and reports their exit codes', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'crawl-lab-svc-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const tr = new LocalTransport(node('one', '127.0.0.1'));
  const services = serviceManagerFor(tr, 'standin', { runDir: join(dir, 'run'), logDir: join(dir, 'log') });
  assert.equal(services.kind, 'supervised');
  assert.equal(systemdServices(tr).kind, 'systemd');
  await services.start('job', ['sh', '-c', 'echo "$MSG"; exit 3'], { MSG: 'hello' });
  for (let i = 0; i < 100 && (await services.state('job')).state === 'running'; i++)
    await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(await services.state('job'), { state: 'exited', code: 3 });
  assert.equal((await services.log('job')).trim(), 'hello');
});

test('issue 12: a running unit whose command line changed is rewritten and restarted, and says why; an unchanged one is left alone', async () => {
  const old = ['/usr/local/bin/node', '/opt/crawl-lab/site.mjs', '--latency-ms', '0'];
  const want = ['/usr/local/bin/node', '/opt/crawl-lab/site.mjs', '--latency-ms', '250'];
  const files = {
    '/etc/systemd/system/crawl-lab-site.service': unitText({
      name: 'site',
      argv: old,
      envFile: '/etc/crawl-lab/site.env',
    }),
    '/etc/crawl-lab/site.spec': serviceSpec(old, {}),
  };
  const t = new PlanTransport(true, files);
  const why: string[] = [];
  const onRestart = (w: string) => why.push(w);
  assert.equal(await serviceManagerFor(t, 'vm').start('site', want, {}, { onRestart }), 'restarted');
  const plan = t.calls.map((c) => c.argv.join(' '));
  assert.ok(plan.includes('systemctl daemon-reload'), plan.join('\n'));
  assert.ok(plan.includes('systemctl restart crawl-lab-site.service'), plan.join('\n'));
  assert.deepEqual(why, ['--latency-ms 0 → 250']);

  const same = new PlanTransport(true, files);
  assert.equal(await serviceManagerFor(same, 'vm').start('site', old, {}, { onRestart }), 'running');
  assert.ok(!same.calls.some((c) => c.argv[0] === 'tee' || c.argv[1] === 'restart'));
});

/** The stand-ins' supervised services on this host, in a temporary folder; `name` stopped and the folder removed at the end. */
function supervisedServices(t: { after(fn: () => Promise<void>): void }, name: string) {
  const dir = mkdtempSync(join(tmpdir(), 'crawl-lab-svc-'));
  const tr = new LocalTransport(node('one', '127.0.0.1'));
  const services = serviceManagerFor(tr, 'standin', { runDir: join(dir, 'run'), logDir: join(dir, 'log') });
  t.after(async () => {
    await services.stop(name);
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, services };
}

test('issue 12: a supervised service is restarted when its command line or environment changed, left running when not', async (t) => {
  const { dir, services } = supervisedServices(t, 'job');
  const why: string[] = [];
  const onRestart = (w: string) => why.push(w);
  const pid = () => readFileSync(join(dir, 'run', 'job.pid'), 'utf8').trim();
  assert.equal(await services.start('job', ['sleep', '600'], { A: '1' }, { onRestart }), 'started');
  const first = pid();
  assert.equal(await services.start('job', ['sleep', '600'], { A: '1' }, { onRestart }), 'running');
  assert.equal(pid(), first);
  assert.equal(await services.start('job', ['sleep', '601'], { A: '1' }, { onRestart }), 'restarted');
  assert.notEqual(pid(), first);
  assert.equal(await services.start('job', ['sleep', '601'], { A: '2' }, { onRestart }), 'restarted');
  assert.deepEqual(why, ['600 → 601', 'environment changed']);
  assert.equal((await services.state('job')).state, 'running');
  assert.ok(!readFileSync(join(dir, 'run', 'job.spec'), 'utf8').includes('"2"'), 'no env value is stored');
});

test('a worker unit keeps its exit in a file: systemd unloads an inactive unit and forgets ExecMainStatus', () => {
  const unit = unitText({ name: 'worker-1', argv: ['/usr/local/bin/node', 'crawl.mjs'] });
  assert.match(unit, /^ExecStartPre=\/bin\/rm -f \/var\/log\/crawl-lab\/worker-1\.exit$/m);
  assert.match(
    unit,
    /^ExecStopPost=\/bin\/sh -c 'echo "\$\$SERVICE_RESULT \$\$EXIT_CODE \$\$EXIT_STATUS" > \/var\/log\/crawl-lab\/worker-1\.exit'$/m,
  );
  assert.doesNotMatch(
    unitText({ name: 'site', argv: ['/usr/local/bin/node'], restart: 'on-failure' }),
    /ExecStopPost/,
    'daemons restart; only one-shot runs are read back',
  );
  assert.deepEqual(exitRecordState('success exited 0\n'), { state: 'exited', code: 0 });
  assert.deepEqual(exitRecordState('exit-code exited 3\n'), { state: 'exited', code: 3 });
  assert.deepEqual(exitRecordState('success killed TERM\n'), { state: 'stopped' });
  assert.deepEqual(exitRecordState('signal killed KILL\n'), { state: 'exited', code: 137 });
  assert.equal(exitRecordState(''), undefined);
});

test('stopping a supervised service lets its process finish its SIGTERM handler before anything is killed', async (t) => {
  const { dir, services } = supervisedServices(t, 'graceful');
  const marker = join(dir, 'said-goodbye');
  // a worker that takes a second to hand its work back on SIGTERM, as the crawler's workers do
  const job = `trap 'sleep 1; echo handed back > "$0"; exit 0' TERM; while :; do sleep 0.1; done`;
  assert.equal(await services.start('graceful', ['sh', '-c', job, marker], {}), 'started');
  await sleep(300); // the shell has set its trap
  await services.stop('graceful');
  assert.equal(readFileSync(marker, 'utf8'), 'handed back\n', 'the process finished its SIGTERM handler');
  assert.equal((await services.state('graceful')).state, 'stopped');
});
