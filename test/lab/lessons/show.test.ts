import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { signalArgv } from '../../../lab/lessons/crawl-demo.ts';
import { shellWord, sshLine } from '../../../lab/lessons/show.ts';

/** The words bash reads back from a printed command line. */
function wordsOf(line: string): string[] {
  const r = spawnSync('bash', ['-c', `set -- ${line}; printf '%s\\0' "$@"`], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\0').slice(0, -1);
}

test('a command a lesson helper prints is read back by bash as exactly the argv it runs (issue 12)', () => {
  const argv = [
    'sh',
    '-c',
    'kill -KILL -- "-$(cat "$1")" && echo killed',
    'kill',
    '/run/crawl-lab/worker-1.pid',
    "it's",
    'REDIS_URL=redis://:***@10.63.6.10:6379/0',
    '聊天 & $HOME',
    '',
  ];
  const line = sshLine('worker1', argv);
  assert.ok(line.startsWith('npm run lab:ssh -- worker1 -- sh -c '), line);
  assert.deepEqual(wordsOf(line.slice('npm run lab:ssh -- worker1 -- '.length)), argv);
  assert.equal(
    shellWord('/run/crawl-lab/worker-1.pid'),
    '/run/crawl-lab/worker-1.pid',
    'safe words stay bare',
  );
  assert.equal(shellWord('a b'), "'a b'");
});

test('the kill and stop commands lesson 9 prints signal the whole process group named in the pidfile (issue 12)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'crawl-lab-signal-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const signal of ['TERM', 'KILL'] as const) {
    // a service as the lab runs it: its own process group, a child in it
    const leader = spawn('sh', ['-c', 'sleep 60 & wait'], { detached: true, stdio: 'ignore' });
    const ended = new Promise<NodeJS.Signals | null>((r) => leader.on('exit', (_c, s) => r(s)));
    t.after(() => {
      try {
        process.kill(-leader.pid!, 'SIGKILL');
      } catch {
        // already gone: what the test wants
      }
    });
    writeFileSync(join(dir, 'worker-1.pid'), `${leader.pid}\n`);
    const argv = signalArgv({ machine: 'standin', runDir: dir }, 'worker-1', signal);
    const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), signal === 'KILL' ? 'killed' : 'stopped');
    assert.equal(await ended, `SIG${signal}`);
    // the leader's child got the signal too: it ends (and is reaped) within moments
    let left = 'unchecked';
    for (let i = 0; i < 50 && left !== ''; i++) {
      left = spawnSync('pgrep', ['-g', String(leader.pid)], { encoding: 'utf8' }).stdout.trim();
      if (left) await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(left, '', 'no process of the group is left');
  }
  assert.deepEqual(signalArgv({ machine: 'vm', runDir: dir }, 'worker-1', 'KILL').slice(3), [
    'kill',
    'crawl-lab-worker-1.service',
  ]);
});
