import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ConfigError } from '../../../crawler/errors.ts';
import { defaultSettings, SETTING_NAMES, SETTINGS } from '../../../crawler/settings/defaults.ts';
import { envNameOf, resolveSettings } from '../../../crawler/settings/load.ts';

// one folder for the whole file, removed at its end (it left a crawl-settings-* folder per call)
const root = mkdtempSync(join(tmpdir(), 'crawl-settings-'));
after(() => rmSync(root, { recursive: true, force: true }));
const emptyDir = () => mkdtempSync(join(root, 'cwd-'));

test('every setting has a default that passes its own validation', () => {
  const defaults = defaultSettings();
  for (const name of SETTING_NAMES) {
    assert.ok(SETTINGS[name].doc.length > 10, `${name} has a doc line`);
    const { settings } = resolveSettings({
      cwd: emptyDir(),
      overrides: [],
      flags: { [name]: defaults[name] },
    });
    assert.deepEqual(settings[name], defaults[name]);
  }
});

test('precedence is defaults < spider < config file < env < --set < flags', () => {
  const cwd = emptyDir();
  writeFileSync(
    join(cwd, 'crawl.config.json'),
    JSON.stringify({ concurrentRequests: 3, downloadDelay: 2, retryTimes: 7 }),
  );
  const { settings, origin } = resolveSettings({
    cwd,
    spider: { concurrentRequests: 2, downloadDelay: 1, logLevel: 'warn' },
    env: { CRAWL_DOWNLOAD_DELAY: '0.5', CRAWL_RETRY_TIMES: '4' },
    overrides: ['retryTimes=5'],
    flags: { redisUrl: 'redis://10.0.0.1:6379/0' },
  });
  assert.equal(settings.concurrentRequests, 3);
  assert.equal(settings.downloadDelay, 0.5);
  assert.equal(settings.retryTimes, 5);
  assert.equal(settings.logLevel, 'warn');
  assert.equal(settings.redisUrl, 'redis://10.0.0.1:6379/0');
  assert.equal(settings.concurrentRequestsPerDomain, 8, 'untouched settings keep the default');
  assert.equal(origin.retryTimes, '--set');
  assert.equal(origin.downloadDelay, 'env CRAWL_DOWNLOAD_DELAY');
});

test('REDIS_URL is read from the environment like scrapy-redis', () => {
  const { settings } = resolveSettings({
    cwd: emptyDir(),
    env: { REDIS_URL: 'redis://:pw@127.0.0.1:6380/1' },
  });
  assert.equal(settings.redisUrl, 'redis://:pw@127.0.0.1:6380/1');
  assert.equal(envNameOf('concurrentRequestsPerDomain'), 'CRAWL_CONCURRENT_REQUESTS_PER_DOMAIN');
});

test('an unknown setting is rejected with a did-you-mean hint', () => {
  assert.throws(
    () => resolveSettings({ cwd: emptyDir(), overrides: ['retryTime=3'] }),
    (e: unknown) =>
      e instanceof ConfigError && e.code === 'CRAWL_E_SETTING_UNKNOWN' && /retryTimes/.test(e.hint ?? ''),
  );
  assert.throws(
    () => resolveSettings({ cwd: emptyDir(), env: { CRAWL_CONCURENT_REQUESTS: '4' } }),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.code === 'CRAWL_E_SETTING_UNKNOWN' &&
      /CRAWL_CONCURENT_REQUESTS/.test(e.message),
  );
});

test("the lab kit's own CRAWL_LAB_* variables (e.g. CRAWL_LAB_CACHE) are not mistaken for settings", () => {
  const { settings } = resolveSettings({
    cwd: emptyDir(),
    env: { CRAWL_LAB_CACHE: '/tmp/cache', CRAWL_RETRY_TIMES: '4' },
  });
  assert.equal(settings.retryTimes, 4);
});

test('an invalid value names the setting, the value, where it came from and the fix', () => {
  const cases: [string, RegExp][] = [
    ['concurrentRequests=0', /from 1 to 1024/],
    ['concurrentRequests=2.5', /whole number/],
    ['downloadDelay=fast', /a number/],
    ['robotstxtObey=maybe', /true or false/],
    ['schedulerQueueClass=random', /"priority", "fifo", "lifo"/],
    ['retryHttpCodes=500,abc', /list of whole numbers/],
    ['redisUrl=http://x', /redis:\/\//],
  ];
  for (const [pair, fix] of cases) {
    assert.throws(
      () => resolveSettings({ cwd: emptyDir(), overrides: [pair] }),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError, pair);
        assert.equal(e.code, 'CRAWL_E_SETTING_INVALID');
        const [name, value] = pair.split('=');
        assert.match(e.message, new RegExp(`"${name}"`));
        assert.ok(e.message.includes(JSON.stringify(value)), `${e.message} shows the value`);
        assert.match(e.message, /--set/);
        assert.match(e.hint ?? '', fix);
        return true;
      },
    );
  }
});

test('strings from env and --set are parsed into typed values', () => {
  const { settings } = resolveSettings({
    cwd: emptyDir(),
    overrides: [
      'retryHttpCodes=[500, 503]',
      'robotstxtObey=false',
      'defaultRequestHeaders={"Accept-Language":"zh-CN"}',
    ],
  });
  assert.deepEqual(settings.retryHttpCodes, [500, 503]);
  assert.equal(settings.robotstxtObey, false);
  assert.deepEqual({ ...settings.defaultRequestHeaders }, { 'accept-language': 'zh-CN' });
});

test('a config file that is not a JSON object is a clear error', () => {
  const cwd = emptyDir();
  writeFileSync(join(cwd, 'bad.json'), '{ concurrentRequests: 3 ');
  assert.throws(() => resolveSettings({ cwd, configFile: 'bad.json' }), /not valid JSON/);
  assert.throws(() => resolveSettings({ cwd, configFile: 'missing.json' }), /config file not found/);
  writeFileSync(join(cwd, 'arr.json'), '[1]');
  assert.throws(() => resolveSettings({ cwd, configFile: 'arr.json' }), /one JSON object/);
});

test('--set without "=" is a usage error', () => {
  assert.throws(() => resolveSettings({ cwd: emptyDir(), overrides: ['retryTimes'] }), /NAME=VALUE/);
});
