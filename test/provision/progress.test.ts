import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CrawlError } from '../../common/errors.ts';
import { formatStepLine, RESUME_LINE, tailLines } from '../../provision/progress.ts';
import { LocalProvider } from '../../provision/providers/local.ts';
import { runSteps, StepError } from '../../provision/run-steps.ts';
import type { Step, Transport } from '../../provision/types.ts';
import { node } from './netns-support.ts';

/** Progress lines and failure blocks of lab:up, with real failing commands on the local transport. */

const one = node('one', '127.0.0.1', 'master');

async function localTransport(t: { after(fn: () => Promise<void>): void }): Promise<Transport> {
  const dir = await mkdtemp(join(tmpdir(), 'crawl-lab-progress-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const provider = new LocalProvider({ stateDir: dir });
  await provider.up([one]);
  return provider.transport(one);
}

async function failure(t: Parameters<typeof localTransport>[0], step: Step): Promise<StepError> {
  const transport = await localTransport(t);
  try {
    await runSteps(
      [step],
      [one],
      () => transport,
      () => {},
    );
  } catch (error) {
    assert.ok(error instanceof StepError, String(error));
    assert.equal(error.code, 'CRAWL_E_PROVISION');
    return error;
  }
  assert.fail('the step should have failed');
}

test('each finished step prints one line with node, step id, status and time', async (t) => {
  const transport = await localTransport(t);
  const lines: string[] = [];
  const step: Step = { id: 'say-hi', appliesTo: () => true, run: async () => ({ status: 'changed' }) };
  const skipped: Step = {
    id: 'not-here',
    appliesTo: () => true,
    run: async () => ({ status: 'skipped', why: 'no master' }),
  };
  const reports = await runSteps(
    [step, skipped],
    [one],
    () => transport,
    (l) => lines.push(l),
  );
  assert.equal(reports.length, 2);
  assert.match(lines[0]!, /^one {8}say-hi {17}changed {2,}\d+ ms$/);
  assert.match(lines[1]!, /^one +not-here +skipped +\d+ ms \(no master\)$/);
  assert.equal(
    formatStepLine({ node: 'w2', step: 'x', status: 'ok', ms: 12_345 }).trimEnd().slice(-6),
    '12.3 s',
  );
});

test('a failing command names the node, the step, the quoted command, its exit code, the last 20 stderr lines, the fix and how to resume', async (t) => {
  const script = 'for i in $(seq 1 30); do echo "line $i" >&2; done; exit 3';
  const step: Step = {
    id: 'noisy-fail',
    appliesTo: () => true,
    async run({ transport }) {
      await transport.run(['sh', '-c', script, 'arg with space']);
      return { status: 'changed' };
    },
  };
  const error = await failure(t, step);
  const text = error.explain();
  assert.match(text, /^FAILED: one, step noisy-fail, after \d+ ms: the command below failed\n/);
  assert.match(
    text,
    new RegExp(
      `\\n  command: sh -c \\$'${script.replace(/[$()[\]*+?.\\]/g, '\\$&')}' \\$'arg with space'\\n`,
    ),
  );
  assert.match(text, /\n {2}exit code: 3\n/);
  assert.match(text, /\n {2}stderr \(last 20 lines\):\n {4}\| line 11\n/);
  assert.match(text, /\| line 30\n/);
  assert.doesNotMatch(text, /\| line 10\n/);
  assert.match(
    text,
    /\n {2}fix: read the stderr above; try the command by hand: npm run lab:ssh -- one -- <command>\n/,
  );
  assert.ok(text.endsWith(`  ${RESUME_LINE}`));
  assert.deepEqual(
    [error.details['node'], error.details['step'], error.details['exitCode']],
    ['one', 'noisy-fail', 3],
  );
});

test("a step that fails on a probe's answer shows that probe and the step's own hint", async (t) => {
  const step: Step = {
    id: 'probe-fail',
    appliesTo: () => true,
    async run({ transport }) {
      const r = await transport.run(['sh', '-c', 'echo "Connection refused" >&2; exit 1'], { nothrow: true });
      throw new CrawlError('CRAWL_E_PROVISION', `no answer (exit ${r.exitCode})`, {
        hint: 'comment out bind in redis.conf',
      });
    },
  };
  const text = (await failure(t, step)).explain();
  assert.match(text, /one, step probe-fail, .*: no answer \(exit 1\)/);
  assert.match(text, /command: sh -c \$'echo "Connection refused" >&2; exit 1'/);
  assert.match(text, /\| Connection refused/);
  assert.match(text, /fix: comment out bind in redis\.conf/);
});

test('a missing program exits 127 and the fix says it is not installed on the node', async (t) => {
  const step: Step = {
    id: 'no-such-tool',
    appliesTo: () => true,
    run: async ({ transport }) => {
      await transport.run(['sh', '-c', 'crawl-lab-no-such-tool-xyz']);
      return { status: 'ok' };
    },
  };
  const text = (await failure(t, step)).explain();
  assert.match(text, /exit code: 127/);
  assert.match(text, /fix: the program sh is not installed on one|not found/);
});

test('a failure after successful commands shows no command, only the message, the fix and the resume line', async (t) => {
  const step: Step = {
    id: 'check-after',
    appliesTo: () => true,
    async run({ transport }) {
      await transport.run(['true']);
      throw new CrawlError('CRAWL_E_PROVISION', 'node reports v18, expected v20', {
        hint: 'remove /usr/local/bin/node',
      });
    },
  };
  const text = (await failure(t, step)).explain();
  assert.doesNotMatch(text, /command:/);
  assert.match(
    text,
    /node reports v18, expected v20\n {2}fix: remove \/usr\/local\/bin\/node\n {2}re-run npm run lab:up/,
  );
});

test('failures never print secrets: env values behind secret names and URL passwords are hidden', async (t) => {
  const secret = 'S3cretPassw0rd';
  const step: Step = {
    id: 'secret-fail',
    appliesTo: () => true,
    async run({ transport }) {
      await transport.run(
        ['sh', '-c', 'echo "redis://:$1@10.0.0.1:6379 refused" >&2; exit 2', 'sh', secret],
        {
          env: { REDISCLI_AUTH: secret },
        },
      );
      return { status: 'ok' };
    },
  };
  const text = (await failure(t, step)).explain();
  // issue 15 §5: the secret is named beside the command, never as `env NAME=value` on it
  assert.match(text, /sh -c .*# environment, not on the command line: REDISCLI_AUTH=<secret>/);
  assert.doesNotMatch(text, /env \$?'?REDISCLI_AUTH/);
  assert.match(text, /redis:\/\/:\*\*\*@10\.0\.0\.1/);
  // an argv word is the caller's to keep secret (the lab passes passwords through env only)
  assert.equal(text.split(secret).length - 1, 1, 'only the argv word shows it; env and stderr do not');
});

test('tailLines keeps the last lines and drops trailing blank ones', () => {
  assert.deepEqual(tailLines('a\nb\nc\n\n', 2), ['b', 'c']);
  assert.deepEqual(tailLines(''), []);
});
