import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEFAULT_LAB_CONFIG_PATH } from '../../provision/config/index.ts';
import { PLAN_SECRETS } from '../../provision/plan/plan-lab.ts';
import { commandWords, shellLine } from '../../provision/plan/render.ts';
import { bashWords, PLAN_CASES, PLAN_STATE, PLANS, planOf } from './plan-support.ts';

/**
 * `lab:up --dry-run` plans, snapshot-tested. The test only reads the
 * snapshots; after an intended change, regenerate them with a separate
 * command that prints the diff to review:
 * node --import tsx test/provision/update-plans.ts
 */
const CASES = PLAN_CASES;
const UPDATE = 'node --import tsx test/provision/update-plans.ts';

for (const [name, config] of CASES) {
  test(`the ${name} plan matches its snapshot (fixtures/plans/${name}.txt)`, async () => {
    const { text } = await planOf(config);
    const file = join(PLANS, `${name}.txt`);
    assert.ok(existsSync(file), `no snapshot ${file}: run ${UPDATE}`);
    assert.equal(
      text,
      readFileSync(file, 'utf8'),
      `plan changed: run ${UPDATE} and review the diff it prints`,
    );
  });
}

test('every planned command line reads back in bash as exactly the argv the step passes', async () => {
  for (const [name, config] of CASES) {
    const { plan } = await planOf(config);
    const commands = plan.steps.flatMap((s) => s.commands);
    const expected = commands.map((c) => commandWords(c, plan.redactions));
    assert.deepEqual(bashWords(expected.map((w) => shellLine(w))), expected, name);
  }
});

test('on a fresh machine every planned step runs to its end (none stops on the model)', async () => {
  for (const [name, config] of CASES) {
    const { plan } = await planOf(config);
    const stopped = plan.steps.filter((s) => typeof s.outcome === 'object' && 'stopped' in s.outcome);
    assert.deepEqual(stopped, [], name);
  }
});

test('a whole plan is valid bash: comments around one command per line (bash -n)', async () => {
  for (const [name, config] of CASES) {
    const { text } = await planOf(config);
    execFileSync('bash', ['-n'], { input: text });
    assert.ok(text.split('\n').length > 50, name);
  }
});

test('the plan covers the provider, then every step on every node it applies to, master first', async () => {
  const { plan, text } = await planOf(DEFAULT_LAB_CONFIG_PATH);
  assert.match(text, /^debootstrap --variant=minbase bookworm /m);
  assert.match(text, /^ip netns add clab-plan-worker2$/m);
  assert.deepEqual(
    plan.steps.map(
      (s) => `${s.node}:${s.step}:${typeof s.outcome === 'string' ? s.outcome : Object.keys(s.outcome)[0]}`,
    ),
    [
      'master:redis-install:changed',
      'master:redis-configure:changed',
      'worker1:redis-tools-install:changed',
      'worker2:redis-tools-install:changed',
      'master:firewall:changed',
      'worker1:redis-reachable:ok',
      'worker2:redis-reachable:ok',
      'master:node-runtime:changed',
      'worker1:node-runtime:changed',
      'worker2:node-runtime:changed',
      'master:crawler-deploy:changed',
      'worker1:crawler-deploy:changed',
      'worker2:crawler-deploy:changed',
      // checks from this host over the network: never run by a plan (provision/plan.ts UNPLANNABLE_STEPS)
      'master:mongodb:changed',
      'master:mini-tieba-site:changed',
    ],
  );
  // a fresh machine: the probe says "not installed", so apt-get installs it
  assert.match(
    text,
    /^dpkg-query -W \$'-f=\$\{Status\}' redis-server {2}# fresh machine: exit 1, not installed$/m,
  );
  assert.match(text, /^env DEBIAN_FRONTEND=noninteractive apt-get .* install .* redis-server/m);
  // the article's edit 2 and, instead of edit 1, the lab's bind (issue 15 §3), as a diff of Debian's file; the password line redacted
  assert.match(text, /^# {3}\| 87: \+ bind 192\.168\.56\.10 127\.0\.0\.1$/m);
  assert.match(text, /^# {3}\| 111: \+ protected-mode no$/m);
  assert.match(
    text,
    /^# {3}\| \d+: \+ user crawler reset on #[0-9a-f]{64} ~tieba:\* resetchannels -@all \+ping /m,
  );
  assert.doesNotMatch(text, /PlanRedis|\+ requirepass/);
  // copies from the host, and a script passed as one word shown as text
  assert.match(text, /^rsync -a @repo@\/dist\/ worker1:\/opt\/crawl-lab\/ {2}# copy from this host$/m);
  assert.match(text, /^# {3}\| nohup setsid sh -c/m);
});

test('no password reaches a plan: the placeholder stands for it everywhere, env included', async () => {
  for (const [name, config] of CASES) {
    const { text } = await planOf(config);
    for (const secret of [...Object.values(PLAN_SECRETS), 'Secret123abcXYZ'])
      assert.ok(!text.includes(secret), `${name}: ${secret} printed`);
    if (name === 'article-exact') {
      assert.doesNotMatch(text, /requirepass|REDISCLI_AUTH/);
      assert.match(text, /WARNING: article_exact/);
    } else {
      // issue 15 §5: the password is named beside the command, never as `env NAME=value` on it
      assert.match(
        text,
        /^redis-cli .* ping\n# {3}environment, not on the command line: REDISCLI_AUTH=<redis-password>$/m,
      );
      assert.doesNotMatch(text, /env \$?'?(REDISCLI_AUTH|FERRETDB_SETUP_PASSWORD)/);
    }
  }
  assert.ok(!existsSync(PLAN_STATE), 'planning creates no state folder');
});

test('issue 15 §3: a redis.tls plan writes placeholders, never a private key, and makes no CA', async () => {
  const { text } = await planOf(join(PLANS, 'tls.yaml'));
  assert.doesNotMatch(text, /BEGIN|PRIVATE KEY-/);
  assert.match(text, /^dd of=\/etc\/redis\/tls\/redis\.key status=none$/m);
  assert.match(text, /<the master's Redis private key, made by lab:up \(never shown\)>/);
  assert.match(
    text,
    /^redis-cli -h 192\.168\.56\.10 -p 6379 --tls --cacert \/etc\/crawl-lab\/redis-ca\.crt /m,
  );
  assert.ok(!existsSync(PLAN_STATE), 'the plan made nothing in the state folder (no CA)');
});
