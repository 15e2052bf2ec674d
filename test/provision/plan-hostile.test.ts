import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { LabConfigError, loadLabConfig, validateLabConfig } from '../../provision/config/index.ts';
import { formatPlan, planLab } from '../../provision/plan/plan-lab.ts';
import { commandWords, shellLine } from '../../provision/plan/render.ts';
import { LocalProvider } from '../../provision/providers/local.ts';
import type { Step } from '../../provision/types.ts';
import { bashWords, PLANS, planOf } from './plan-support.ts';

/**
 * Hostile values on their way into command plans: what lab.yaml validation
 * rejects fails naming the key; what it lets through, and any word a step may
 * build, comes out of the plan quoted so bash reads back the same word.
 */

const M = { name: 'master', role: 'master', ip: '192.168.56.10' };
const EVIL = [
  'a b',
  '$(reboot)',
  "it's",
  '`id`',
  'x\ny',
  '*',
  'a;b',
  'a|b',
  '-lead',
  'trail-',
  'x'.repeat(64),
];

function rejectedAt(raw: unknown, key: string): void {
  assert.throws(
    () => validateLabConfig(raw, 'lab.yaml'),
    (e: unknown) => {
      assert.ok(e instanceof LabConfigError, String(e));
      assert.equal(e.key, key, e.explain());
      assert.match(e.explain(), new RegExp(key.replace(/[[\].]/g, '\\$&')));
      return true;
    },
  );
}

test('node names with spaces, quotes, $(...), backticks, newlines, globs or 64 characters are rejected naming nodes[0].name', () => {
  for (const name of EVIL) rejectedAt({ nodes: [{ ...M, name }] }, 'nodes[0].name');
});

test('mirror URLs, passwords, database names, CIDRs and key paths that could break a command are rejected naming their key', () => {
  for (const apt of [
    'http://m/ x',
    'http://m/$(id)',
    'http://m/`id`',
    "http://m/'q'",
    'http://m/a\nb',
    'http://m/*',
    'ftp://m/',
  ])
    rejectedAt({ mirrors: { apt } }, 'mirrors.apt');
  for (const password of ['pass word1', 'pa$(id)ss1', "pa'ss1234", 'abc`id`de', 'short'])
    rejectedAt({ redis: { password } }, 'redis.password');
  rejectedAt({ mongodb: { password: 'x y z 1234' } }, 'mongodb.password');
  rejectedAt({ mongodb: { database: 'a b;c' } }, 'mongodb.database');
  rejectedAt({ network: { cidr: '10.0.0.0/24;id' } }, 'network.cidr');
  rejectedAt({ nodes: [{ ...M, ssh: { user: 'u', identity_file: 'a\nb' } }] }, 'nodes[0].ssh.identity_file');
});

test('what validation lets through reaches the plan as one intact word (mirror URL, 63-character node name)', async () => {
  const { plan } = await planOf(join(PLANS, 'hostile.yaml'));
  const config = loadLabConfig(join(PLANS, 'hostile.yaml'));
  const words = bashWords(plan.providerLines);
  const debootstrap = words.find((w) => w[0] === 'debootstrap');
  assert.equal(debootstrap?.at(-1), config.mirrors.apt);
  const long = config.nodes[2]!.name;
  assert.ok(words.some((w) => w.join(' ') === `ip netns add clab-plan-${long}`));
});

test('any argv a step passes, however hostile, renders as a line bash reads back word for word (fast-check)', () => {
  const hostile = fc.constantFrom(
    '$(touch /tmp/crawl-lab-pwned)',
    '`touch /tmp/crawl-lab-pwned`',
    "'",
    '"',
    '\\',
    '\n',
    '*',
    '~',
    '!',
    '#',
    '{a,b}',
    'A=b',
    '',
    ' ',
    '\t',
    '\r',
    '$HOME',
    '<>',
    'é字',
  );
  const word = fc
    .array(fc.oneof(hostile, fc.string({ unit: 'grapheme' })), { maxLength: 4 })
    .map((parts) => parts.join(''))
    .filter((w) => !w.includes('\0') && !/\p{Cs}/u.test(w));
  const argv = fc.array(word, { minLength: 1, maxLength: 6 });
  fc.assert(
    fc.property(fc.array(argv, { minLength: 1, maxLength: 30 }), (argvs) => {
      assert.deepEqual(bashWords(argvs.map((a) => shellLine(a))), argvs);
    }),
    { numRuns: 25 },
  );
  assert.ok(!existsSync('/tmp/crawl-lab-pwned'), 'no word was ever executed');
});

test('a step with hostile argv, env values, stdin and copy paths plans safely: exact words, no execution, secrets hidden', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'crawl-lab-plan-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const canary = join(dir, 'pwned');
  const evil = `x $(touch ${canary}) \`touch ${canary}\` 'q' "d" *\n#`;
  const step: Step = {
    id: 'hostile',
    appliesTo: () => true,
    async run({ transport }) {
      await transport.run(['printf', '%s', evil], {
        env: { EVIL: evil, API_TOKEN: 'tok-123', DB_PASSWORD: 'pw-456' },
      });
      await transport.run(['tee', '/etc/x'], { input: `${evil}\n` });
      await transport.copy(join(dir, 'no such dir'), `/opt/${evil}`);
      return { status: 'changed' };
    },
  };
  const config = validateLabConfig({ provider: 'local', nodes: [M] }, 'lab.yaml');
  const provider = new LocalProvider({ stateDir: join(dir, 'state') });
  const plan = await planLab({ config, provider, choice: await provider.detect(), steps: [step] });
  const commands = plan.steps.flatMap((s) => s.commands);
  const expected = commands.map((c) => commandWords(c, plan.redactions));
  assert.deepEqual(bashWords(expected.map((w) => shellLine(w))), expected);
  assert.equal(expected[0]?.[1], `EVIL=${evil}`);
  assert.ok(expected[2]?.at(-1)?.endsWith(`/opt/${evil}/`));
  const text = formatPlan(plan);
  assert.ok(!text.includes('tok-123') && !text.includes('pw-456'), 'secret-looking env values are hidden');
  assert.match(text, /API_TOKEN=<secret>/);
  assert.ok(!existsSync(canary));
});
