import assert from 'node:assert/strict';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { applyLabRedisConfig, checkRedisConf } from '../../provision/redis-conf.ts';
import { REDIS_TEMPLATE } from '../../provision/steps/local-redis.ts';
import { applyLocalRedisPaths, redisConfValue } from '../../provision/steps/local-redis-conf.ts';

/** The local provider's redis.conf: the article's edits, then loopback bind and paths in the state folder. */
const DEBIAN = '/etc/redis/redis.conf';
const paths = {
  bind: '127.0.0.10',
  dir: '/tmp/lab state/redis',
  pidfile: '/tmp/lab state/redis/redis-server.pid',
};

/** Why a redis.conf cannot be read here, or false. Under CI=true never: a missing file fails there. */
function unreadable(file: string): string | false {
  if (process.env['CI'] === 'true') return false;
  if (!existsSync(file)) return `${file} is missing (apt-get install redis-server)`;
  try {
    accessSync(file, constants.R_OK);
    return false;
  } catch {
    return `${file} is not readable by this user (the step falls back to the template, tested below)`;
  }
}

for (const [name, file] of [
  ["Debian's redis.conf", DEBIAN],
  ['the shipped template', REDIS_TEMPLATE],
] as const) {
  test(`on ${name}: the article's edits stay, Redis binds only the master's loopback address and writes inside the state folder`, {
    skip: unreadable(file),
  }, () => {
    const text = readFileSync(file, 'utf8');
    const article = applyLabRedisConfig(text, { password: 'labpass123', articleExact: false, port: 16379 });
    const local = applyLocalRedisPaths(article.text, paths);
    const c = checkRedisConf(local.text);
    assert.equal(c.protectedModeOff, true);
    assert.deepEqual(c.activeBind, ['bind 127.0.0.10']);
    assert.equal(c.requirepass, true);
    assert.equal(c.port, 16379);
    assert.match(local.text, /^# bind 127\.0\.0\.1 -::1$/m, "the article's commented bind line is kept");
    assert.match(local.text, /^daemonize no$/m);
    assert.match(local.text, /^logfile ""$/m);
    assert.match(local.text, /^dir "\/tmp\/lab state\/redis"$/m);
    assert.equal(local.text.match(/^dir /gm)?.length, 1);
    assert.deepEqual(applyLocalRedisPaths(local.text, paths).changed, [], 'a second run changes nothing');
  });
}

test('paths with spaces or quotes are written so Redis reads one argument', () => {
  assert.equal(redisConfValue('/a/b'), '/a/b');
  assert.equal(redisConfValue('/a b/"c"'), '"/a b/\\"c\\""');
  assert.equal(redisConfValue(''), '""');
});
