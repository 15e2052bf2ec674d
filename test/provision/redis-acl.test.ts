import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { DEFAULT_USER_LINE, REDIS_ADMIN_USER, REDIS_CRAWLER_USER } from '../../provision/redis-acl.ts';
import { applyLabRedisConfig, checkRedisConf } from '../../provision/redis-conf.ts';
import { freePort, startConfRedis } from '../helpers/redis.ts';

/**
 * Issue 15 §3: outside article_exact, redis.conf gets Redis users instead of a
 * requirepass: `default` off, the crawl's user limited to the crawl's keys and
 * commands, provisioning's admin user. Checked on a real redis-server started
 * with the edited Debian file.
 */
const run = promisify(execFile);
const PRISTINE = readFileSync('/etc/redis/redis.conf', 'utf8');
const CRAWLER = 'crawlerPass123';
const ADMIN = 'adminPass456';
const OPTIONS = {
  password: CRAWLER,
  articleExact: false,
  port: 6379,
  bind: ['127.0.0.1'],
  acl: { adminPassword: ADMIN, keys: ['tieba:*'] },
};

test('the lab writes three user lines with password hashes, no requirepass, and logs no password or hash; a second run changes nothing', () => {
  const { text, changed } = applyLabRedisConfig(PRISTINE, OPTIONS);
  assert.ok(!text.includes(CRAWLER) && !text.includes(ADMIN), 'no clear-text password in redis.conf');
  assert.equal(checkRedisConf(text).requirepass, false);
  const users = text.split('\n').filter((l) => l.startsWith('user '));
  assert.deepEqual(
    users.map((l) => l.split(' ')[1]),
    ['default', REDIS_CRAWLER_USER, REDIS_ADMIN_USER],
  );
  assert.equal(users[0], DEFAULT_USER_LINE);
  assert.match(users[1]!, / ~tieba:\* resetchannels -@all \+ping /);
  assert.doesNotMatch(users[1]!, /\+@all|~\*|\+flushall|\+config|\+keys/);
  const log = changed.join('\n');
  assert.doesNotMatch(log, /#[0-9a-f]{64}/, 'hashes are shown as <sha256 of the password>');
  assert.deepEqual(applyLabRedisConfig(text, OPTIONS).changed, []);
  // another password: the user's line changes in place, the old hash is not logged
  const rotated = applyLabRedisConfig(text, { ...OPTIONS, password: 'otherPass789' });
  assert.equal(rotated.changed.length, 1, rotated.changed.join('\n'));
  assert.doesNotMatch(rotated.changed[0]!, /#[0-9a-f]{64}/);
  // article_exact afterwards: the users go, the default user is the article's again (on, no password)
  const exact = applyLabRedisConfig(text, { articleExact: true, port: 6379 }).text;
  assert.equal(exact.split('\n').filter((l) => /^\s*user /.test(l)).length, 0);
  assert.equal(applyLabRedisConfig(exact, OPTIONS).text, text, 'and back again');
});

test('on a real redis-server: default is off, the crawl user reaches its keys and commands only, the admin everything', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lab-redis-acl-'));
  const port = await freePort();
  const conf = join(dir, 'redis.conf');
  writeFileSync(conf, applyLabRedisConfig(PRISTINE, { ...OPTIONS, port }).text);
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  await startConfRedis(t, conf, dir, ['--appendonly', 'no']);
  const cli = async (env: Record<string, string>, ...args: string[]) => {
    const r = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), '--no-auth-warning', ...args], {
      env: { ...process.env, ...env },
    }).catch((e: { stdout: string; stderr: string }) => e);
    return `${r.stdout}${r.stderr}`.trim();
  };
  const crawler = (...args: string[]) =>
    cli({ REDISCLI_AUTH: CRAWLER }, '--user', REDIS_CRAWLER_USER, ...args);
  const admin = (...args: string[]) => cli({ REDISCLI_AUTH: ADMIN }, '--user', REDIS_ADMIN_USER, ...args);

  assert.match(await cli({}, 'ping'), /NOAUTH/, 'no login: refused');
  assert.match(
    await cli({ REDISCLI_AUTH: CRAWLER }, 'ping'),
    /WRONGPASS|AUTH failed/,
    'the default user is off',
  );
  assert.equal(await crawler('ping'), 'PONG');
  assert.equal(await crawler('set', 'tieba:x', '1'), 'OK');
  assert.equal(await crawler('eval', "return redis.call('INCR', KEYS[1])", '1', 'tieba:n'), '1');
  for (const refused of [
    ['set', 'other:x', '1'],
    ['eval', "return redis.call('SET', KEYS[1], 1)", '1', 'other:y'],
    ['flushall'],
    ['config', 'get', 'dir'],
    ['keys', '*'],
    ['acl', 'list'],
    ['shutdown', 'nosave'],
  ])
    assert.match(await crawler(...refused), /NOPERM|No permissions/, refused.join(' '));
  assert.equal(await admin('config', 'get', 'maxmemory'), 'maxmemory\n0');
  assert.match(await admin('acl', 'whoami'), new RegExp(REDIS_ADMIN_USER));
});

test("on a real redis-server: a restart replays the crawl user's transactions and scripts from the append-only file (the default user is off but not stripped)", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lab-redis-aof-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const port = await freePort();
  const conf = join(dir, 'redis.conf');
  writeFileSync(conf, applyLabRedisConfig(PRISTINE, { ...OPTIONS, port }).text);
  const aof = ['--appendonly', 'yes', '--appendfsync', 'always'];
  const first = await startConfRedis(t, conf, dir, aof);
  const login = { host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0 };
  const crawler = new Redis({ ...login, username: REDIS_CRAWLER_USER, password: CRAWLER });
  await crawler.connect();
  // what the crawler writes: transactions (ioredis multi) and Lua scripts (written to the file as MULTI/EXEC)
  await crawler.multi().sadd('tieba:dupefilter', 'fp1', 'fp2').lpush('tieba:requests', 'r1').exec();
  await crawler.eval(
    "redis.call('HINCRBY', KEYS[1], 'pages', 3); return redis.call('SADD', KEYS[2], 'fp3')",
    2,
    'tieba:stats',
    'tieba:dupefilter',
  );
  crawler.disconnect();
  await first.stop();
  const second = await startConfRedis(t, conf, dir, aof);
  const admin = new Redis({ ...login, username: REDIS_ADMIN_USER, password: ADMIN });
  await admin.connect();
  t.after(() => admin.disconnect());
  assert.deepEqual((await admin.smembers('tieba:dupefilter')).sort(), ['fp1', 'fp2', 'fp3']);
  assert.deepEqual(await admin.lrange('tieba:requests', 0, -1), ['r1']);
  assert.equal(await admin.hget('tieba:stats', 'pages'), '3');
  assert.doesNotMatch(second.output(), /NOPERM|CRITICAL/, 'Redis refused nothing while it loaded the file');
});
