import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { LabConfigError } from '../../provision/config/errors.ts';
import {
  applyArticleEdits,
  applyLabRedisConfig,
  checkRedisConf,
  generateLabPassword,
} from '../../provision/redis-conf.ts';
import { redisConfLog } from '../../provision/steps/redis.ts';
import { freePort, startConfRedis } from '../helpers/redis.ts';

const run = promisify(execFile);

// Debian's pristine conffile (apt redis-server 5:7.0.15-1~deb12u10, installed by npm test's set-up step).
const DEBIAN_CONF = '/etc/redis/redis.conf';
const PRISTINE = readFileSync(DEBIAN_CONF, 'utf8');
const PASSWORD = 'labpass123';

/** 1-based numbers of the lines that differ (same line count required). */
function diffLines(a: string, b: string): number[] {
  const x = a.split('\n');
  const y = b.split('\n');
  assert.equal(y.length, x.length, 'no line added or removed');
  return x.flatMap((line, i) => (line === y[i] ? [] : [i + 1]));
}

const line = (text: string, n: number) => text.split('\n')[n - 1];

test("Debian's redis.conf is the pristine file the line numbers below refer to", () => {
  assert.equal(line(PRISTINE, 87), 'bind 127.0.0.1 -::1');
  assert.equal(line(PRISTINE, 111), 'protected-mode yes');
  assert.equal(line(PRISTINE, 1036), '# requirepass foobared');
});

test("the article's edit changes exactly line 87 (bind commented out) and line 111 (protected-mode no)", () => {
  const { text, changed } = applyArticleEdits(PRISTINE);
  assert.deepEqual(diffLines(PRISTINE, text), [87, 111]);
  assert.equal(line(text, 87), '# bind 127.0.0.1 -::1');
  assert.equal(line(text, 111), 'protected-mode no');
  assert.deepEqual(changed, [
    '87: bind 127.0.0.1 -::1 -> # bind 127.0.0.1 -::1',
    '111: protected-mode yes -> protected-mode no',
  ]);
  for (const n of [69, 70, 71, 99]) assert.equal(line(text, n), line(PRISTINE, n), `commented example ${n}`);
});

test("the article's edit is idempotent: a second run changes nothing", () => {
  const once = applyArticleEdits(PRISTINE).text;
  const twice = applyArticleEdits(once);
  assert.equal(twice.text, once);
  assert.deepEqual(twice.changed, []);
});

test('checkRedisConf tells which of the article edits are present', () => {
  const before = checkRedisConf(PRISTINE);
  assert.deepEqual(before, {
    protectedModeOff: false,
    activeBind: ['bind 127.0.0.1 -::1'],
    articleEdits: false,
    requirepass: false,
    appendonly: false,
    port: 6379,
    tls: false,
  });
  const half = PRISTINE.replace(/^protected-mode yes$/m, 'protected-mode no');
  assert.equal(checkRedisConf(half).protectedModeOff, true);
  assert.equal(checkRedisConf(half).articleEdits, false);
  assert.equal(checkRedisConf(applyArticleEdits(PRISTINE).text).articleEdits, true);
});

test("the lab's default adds requirepass on the example line and append-only persistence, idempotently", () => {
  const options = { password: PASSWORD, articleExact: false, port: 6379 };
  const { text, changed } = applyLabRedisConfig(PRISTINE, options);
  assert.deepEqual(diffLines(PRISTINE, text), [87, 111, 1036, 1379]);
  assert.equal(line(text, 1036), `requirepass ${PASSWORD}`);
  assert.equal(line(text, 1379), 'appendonly yes');
  assert.equal(line(text, 1438), 'appendfsync everysec', 'already the default: kept');
  assert.ok(!changed.join('\n').includes(PASSWORD), 'the password never reaches logs');
  assert.ok(changed.includes('1036: # requirepass foobared -> requirepass <redacted>'));
  assert.deepEqual(applyLabRedisConfig(text, options).changed, []);
  assert.deepEqual(checkRedisConf(text), {
    protectedModeOff: true,
    activeBind: [],
    articleEdits: true,
    requirepass: true,
    appendonly: true,
    port: 6379,
    tls: false,
  });
  // A new password replaces the active one in place.
  const rotated = applyLabRedisConfig(text, { ...options, password: 'otherpass456' });
  assert.deepEqual(diffLines(text, rotated.text), [1036]);
});

test('article_exact gives exactly the article edits; another port changes only the port line', () => {
  assert.equal(
    applyLabRedisConfig(PRISTINE, { articleExact: true, port: 6379 }).text,
    applyArticleEdits(PRISTINE).text,
  );
  const moved = applyLabRedisConfig(PRISTINE, { articleExact: true, port: 16379 }).text;
  assert.deepEqual(diffLines(PRISTINE, moved), [87, 111, 138]);
  assert.equal(checkRedisConf(moved).port, 16379);
});

test("issue 15 §3: outside article_exact Redis binds the master's lab address and 127.0.0.1 on Debian's bind line, idempotently", () => {
  const options = { password: PASSWORD, articleExact: false, port: 6379, bind: ['10.71.15.10', '127.0.0.1'] };
  const { text, changed } = applyLabRedisConfig(PRISTINE, options);
  assert.deepEqual(diffLines(PRISTINE, text), [87, 111, 1036, 1379]);
  assert.equal(line(text, 87), 'bind 10.71.15.10 127.0.0.1');
  assert.ok(changed.includes('87: bind 127.0.0.1 -::1 -> bind 10.71.15.10 127.0.0.1'), changed.join('\n'));
  assert.deepEqual(applyLabRedisConfig(text, options).changed, []);
  assert.deepEqual(checkRedisConf(text).activeBind, ['bind 10.71.15.10 127.0.0.1']);
  // after the article's edit 1 (lesson 4), the commented line becomes the lab's bind again
  const lesson4 = applyArticleEdits(PRISTINE).text;
  assert.equal(line(applyLabRedisConfig(lesson4, options).text, 87), 'bind 10.71.15.10 127.0.0.1');
  assert.throws(
    () => applyLabRedisConfig(PRISTINE, { ...options, bind: ['0.0.0.0 ::'] }),
    (e: LabConfigError) => e.key === 'nodes[master].ip' && /0\.0\.0\.0 ::/.test(e.message),
  );
});

test('issue 15 §5: article_exact on a lab that had a password removes requirepass and the bind; a plain lab:up puts both back', () => {
  const secure = { password: PASSWORD, articleExact: false, port: 6379, bind: ['10.71.15.10', '127.0.0.1'] };
  const exact = { articleExact: true, port: 6379, bind: secure.bind };
  const provisioned = applyLabRedisConfig(PRISTINE, secure).text;
  const opened = applyLabRedisConfig(provisioned, exact);
  assert.ok(!opened.text.includes(PASSWORD), 'no trace of the password is left in the file');
  assert.equal(line(opened.text, 1036), '# requirepass foobared', "Debian's example again");
  assert.equal(line(opened.text, 87), '# bind 10.71.15.10 127.0.0.1');
  assert.ok(
    opened.changed.includes('1036: requirepass <redacted> -> # requirepass foobared'),
    opened.changed.join('\n'),
  );
  assert.deepEqual(checkRedisConf(opened.text), {
    protectedModeOff: true,
    activeBind: [],
    articleEdits: true,
    requirepass: false,
    appendonly: true,
    port: 6379,
    tls: false,
  });
  assert.deepEqual(
    applyLabRedisConfig(opened.text, exact).changed,
    [],
    'a second article-exact lab:up changes nothing',
  );
  const back = applyLabRedisConfig(opened.text, secure);
  assert.equal(back.text, provisioned, 'back to the same file as the first plain lab:up');
  assert.ok(back.changed.includes('1036: # requirepass foobared -> requirepass <redacted>'));
});

test('a missing, malformed or contradictory password is refused naming redis.password', () => {
  const codeOf = (fn: () => unknown) =>
    assert.throws(fn, (e: unknown) => e instanceof LabConfigError && e.code === 'CRAWL_E_LAB_CONFIG');
  codeOf(() => applyLabRedisConfig(PRISTINE, { articleExact: false, port: 6379 }));
  codeOf(() => applyLabRedisConfig(PRISTINE, { password: 'with space1', articleExact: false, port: 6379 }));
  codeOf(() => applyLabRedisConfig(PRISTINE, { password: 'a"b\\c12345', articleExact: false, port: 6379 }));
  codeOf(() => applyLabRedisConfig(PRISTINE, { password: PASSWORD, articleExact: true, port: 6379 }));
  codeOf(() => applyLabRedisConfig(PRISTINE, { password: PASSWORD, articleExact: false, port: 0 }));
});

test('CRLF line endings, a missing final newline and a missing protected-mode line are handled', () => {
  const crlf = 'port 6379\r\nbind 127.0.0.1 -::1\r\n# bind 1.2.3.4\r\nprotected-mode yes\r\n';
  assert.equal(
    applyArticleEdits(crlf).text,
    'port 6379\r\n# bind 127.0.0.1 -::1\r\n# bind 1.2.3.4\r\nprotected-mode no\r\n',
  );
  // Without the line Redis defaults to protected mode on: say "no" explicitly.
  assert.equal(applyArticleEdits('port 6379\n').text, 'port 6379\nprotected-mode no\n');
  assert.equal(applyArticleEdits('port 6379').text, 'port 6379\nprotected-mode no');
  const lab = applyLabRedisConfig('bind 0.0.0.0\n', {
    password: PASSWORD,
    articleExact: false,
    port: 6379,
  }).text;
  assert.equal(
    lab,
    `# bind 0.0.0.0\nprotected-mode no\nport 6379\nrequirepass ${PASSWORD}\nappendonly yes\nappendfsync everysec\n`,
  );
});

test('generated passwords are 32 letters and digits, different every time', () => {
  const a = generateLabPassword();
  assert.match(a, /^[A-Za-z0-9]{32}$/);
  assert.notEqual(generateLabPassword(), a);
});

// Random lines a learner (or another tool) may have added: comments and blanks
// must never change; active binds in any case/indentation must be commented out.
const extraLine = fc.oneof(
  fc.constantFrom(
    '',
    '   ',
    '#',
    '# bind 10.0.0.1',
    '#bind 127.0.0.1',
    '  # protected-mode yes',
    '# requirepass x',
  ),
  fc.constantFrom('bind 10.0.0.1', '  bind 127.0.0.1 ::1', 'BIND * -::*', '\tbind 192.168.56.10'),
  fc.constantFrom('protected-mode yes', 'PROTECTED-MODE "yes"', 'bind-source-addr 10.0.0.1', 'binder x'),
  fc.string({ maxLength: 30 }).map((s) => s.replace(/[\r\n]/g, ' ')),
  fc.string({ maxLength: 20 }).map((s) => `# ${s.replace(/[\r\n]/g, ' ')}`),
);

test('property: over random inserted lines the edit is idempotent, leaves comments alone and leaves no active bind', () => {
  const base = PRISTINE.split('\n');
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(base.length), extraLine), { maxLength: 12 }), (inserts) => {
      const lines = [...base];
      for (const [at, text] of inserts) lines.splice(Math.min(at, lines.length), 0, text);
      const input = lines.join('\n');
      const { text } = applyArticleEdits(input);
      const out = text.split('\n');
      lines.forEach((original, i) => {
        const trimmed = original.trim();
        if (trimmed === '' || trimmed.startsWith('#'))
          assert.equal(out[i], original, `line ${i + 1} is a comment`);
        const name = trimmed.split(/\s+/)[0]!.toLowerCase();
        if (!trimmed.startsWith('#') && name !== 'bind' && name !== 'protected-mode')
          assert.equal(out[i], original);
      });
      const check = checkRedisConf(text);
      assert.deepEqual(check.activeBind, []);
      // Independent of the module's parser: no line is an uncommented bind.
      assert.ok(!out.some((l) => /^\s*bind(\s|$)/i.test(l)), 'no active bind line');
      assert.equal(check.protectedModeOff, true);
      assert.equal(applyArticleEdits(text).text, text, 'idempotent');
    }),
    { numRuns: 150 },
  );
});

test('a real redis-server accepts the lab configuration and demands the password', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lab-redis-conf-'));
  const port = await freePort();
  const conf = join(dir, 'redis.conf');
  writeFileSync(conf, applyLabRedisConfig(PRISTINE, { password: PASSWORD, articleExact: false, port }).text);
  // Command-line options win over the file: keep it on loopback, in the foreground, writing only in `dir`.
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  await startConfRedis(t, conf, dir, ['--bind', '127.0.0.1']);
  const cli = (...args: string[]) => run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args]);
  assert.match((await cli('ping')).stdout, /NOAUTH/);
  const auth = ['-a', PASSWORD, '--no-auth-warning'];
  assert.equal((await cli(...auth, 'ping')).stdout.trim(), 'PONG');
  assert.equal((await cli(...auth, 'config', 'get', 'appendonly')).stdout.trim(), 'appendonly\nyes');
  assert.equal((await cli(...auth, 'config', 'get', 'protected-mode')).stdout.trim(), 'protected-mode\nno');
  assert.ok(existsSync(join(dir, 'appendonlydir')), 'append-only files are written');
});

test("issue 12/15: after lesson 4's hand edit, lab:up prints the password line going back to Debian's example as lesson 4 shows it, the password <redacted>", () => {
  const handEdited = applyLabRedisConfig(PRISTINE, {
    password: PASSWORD,
    articleExact: false,
    port: 6379,
  }).text;
  const printed = redisConfLog(
    applyLabRedisConfig(handEdited, {
      password: PASSWORD,
      articleExact: false,
      port: 6379,
      acl: { adminPassword: 'adminPass456', keys: ['tieba:*'] },
    }).changed,
  );
  const shown = printed.find((l) => l.includes('requirepass'));
  assert.equal(shown, 'redis.conf: 1036: requirepass <redacted> -> # requirepass foobared');
  assert.ok(!printed.join('\n').includes(PASSWORD), 'the password itself is never printed');
  const lesson = readFileSync(new URL('../../docs/tutorial/en/04-redis-install.md', import.meta.url), 'utf8');
  const expected = /`redis\.conf: \d+: (requirepass <redacted> -> # requirepass foobared)`/.exec(lesson)?.[1];
  assert.ok(expected, 'lesson 4 shows the requirepass edit');
  assert.ok(shown?.endsWith(`: ${expected}`), `lab:up and lesson 4 agree: ${shown}`);
});
