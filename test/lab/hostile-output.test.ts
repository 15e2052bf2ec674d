import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { resolveSettings } from 'crawl-lab';
import { crawlOutput, progressLine } from '../../lab/commands/crawl.ts';
import { crawlWatcher } from '../../lab/runner/watcher.ts';
import { openLab, servicesOf } from '../../provision/lab.ts';

/**
 * Issue 15 §1: lab:crawl's progress and lab:logs escape control characters
 * (common/terminal.ts) in what a hostile Redis, a node's log or a worker id
 * carries, before it reaches the operator's terminal.
 */
const HOSTILE = '\x1b]0;pwned\x07\x1b[2J\x9b2J\rX\x7f';
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
const SCRIPTS = fileURLToPath(new URL('../../scripts/lab/', import.meta.url));

test("lab:crawl's progress escapes a hostile Redis's error text and a hostile node name (issue 15)", async (t) => {
  // a "Redis" that answers every command with an error full of escape sequences
  const server = net.createServer((socket) => {
    socket.on('data', () => socket.write(`-ERR ${HOSTILE}\r\n`));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const url = `redis://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  const lines: string[] = [];
  const { say } = crawlOutput({ print: (l) => lines.push(l) });
  const watch = crawlWatcher(url, resolveSettings({ env: {}, flags: { redisUrl: url } }).settings, {
    onDown: (why) => say(`Redis on master is unreachable (${why})`),
  });
  t.after(() => watch.close());
  assert.equal(await watch.inspect(), undefined);
  say(
    progressLine({
      elapsedMs: 1000,
      pages: 1,
      items: 0,
      queue: 0,
      fingerprints: 1,
      perNode: { [`n${HOSTILE}`]: { pages: 1, rate: 1 } },
    }),
  );
  assert.equal(lines.length, 2, lines.join('\n'));
  for (const line of lines) {
    assert.equal(line.search(RAW_CONTROL), -1, JSON.stringify(line));
    assert.ok(line.includes('\\u001b]0;pwned\\u0007'), line);
  }
});

test("lab:logs escapes control characters in a node's service log and keeps its lines (issue 15)", {
  timeout: 60_000,
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'crawl-lab-hostile-'));
  const config = join(dir, 'lab.yaml');
  writeFileSync(config, 'provider: local\n');
  const env = { LAB_CONFIG: config, LAB_STATE: join(dir, 'state'), LAB_ID: 'hdlogs' };
  const lab = await openLab({ configPath: config, stateDir: env.LAB_STATE, labId: 'hdlogs', log: () => {} });
  t.after(async () => {
    await lab.provider.destroy(lab.nodes).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });
  await lab.provider.up(lab.nodes);
  const m = servicesOf(lab, lab.provider.transport(lab.nodes[0]!));
  // what a hostile page or server makes a worker print, written raw into the log
  await m.start('worker-1', ['printf', `first\\n%s\\nlast\\n`, HOSTILE]);
  for (let i = 0; i < 50 && (await m.state('worker-1')).state === 'running'; i++) await sleep(50);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(SCRIPTS, 'logs.ts'), 'master', 'worker-1'], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.search(RAW_CONTROL), -1, JSON.stringify(r.stdout));
  assert.equal(
    r.stdout,
    '== master: worker-1\nfirst\n\\u001b]0;pwned\\u0007\\u001b[2J\\u009b2J\\u000dX\\u007f\nlast\n',
  );
});
