import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { connectAdmin, redisTlsOptions } from 'crawl-lab/admin';
import { isCrawlError } from '../../common/errors.ts';
import { labSteps, openLab } from '../../provision/lab.ts';
import { applyLabRedisConfig, checkRedisConf } from '../../provision/redis-conf.ts';
import { ensureLabTls, labTlsFiles, REDIS_TLS_NODE_FILES } from '../../provision/redis-tls.ts';
import { freePort, plainPing, startConfRedis } from '../helpers/redis.ts';

const run = promisify(execFile);

// Debian's pristine conffile (see redis-conf.test.ts): the line numbers below refer to it.
const PRISTINE = readFileSync('/etc/redis/redis.conf', 'utf8');
const PASSWORD = 'labpass123';
const line = (text: string, n: number) => text.split('\n')[n - 1];
const mode = (path: string) => statSync(path).mode & 0o777;

function tempDir(t: { after: (fn: () => void) => void }, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('issue 15 §3: the lab CA and the server certificate are made once, keys 0600 in a 0700 folder, the certificate naming the master and 127.0.0.1', async (t) => {
  const state = tempDir(t, 'lab-tls-state-');
  const f = await ensureLabTls(state, 'tlsu1', ['10.57.20.10', '127.0.0.1']);
  assert.deepEqual(f, labTlsFiles(state));
  assert.equal(mode(f.dir), 0o700);
  assert.equal(mode(f.caKey), 0o600);
  assert.equal(mode(f.serverKey), 0o600);
  const ca = new X509Certificate(readFileSync(f.caCert));
  const server = new X509Certificate(readFileSync(f.serverCert));
  assert.ok(ca.ca, 'the CA certificate is a CA');
  assert.ok(!server.ca, 'the server certificate is not');
  assert.ok(server.verify(ca.publicKey), 'the lab CA signed the server certificate');
  assert.equal(server.subjectAltName, 'IP Address:10.57.20.10, IP Address:127.0.0.1');
  assert.equal(server.checkIP('10.57.20.10'), '10.57.20.10');
  assert.equal(server.checkIP('10.57.20.11'), undefined);
  // openssl itself agrees (the same check redis-cli and Redis make)
  assert.match((await run('openssl', ['verify', '-CAfile', f.caCert, f.serverCert])).stdout, /: OK/);

  // again: nothing is made anew
  const before = [readFileSync(f.caCert, 'utf8'), readFileSync(f.serverCert, 'utf8')];
  await ensureLabTls(state, 'tlsu1', ['10.57.20.10', '127.0.0.1']);
  assert.deepEqual([readFileSync(f.caCert, 'utf8'), readFileSync(f.serverCert, 'utf8')], before);

  // the master moved: a new server certificate from the same CA
  await ensureLabTls(state, 'tlsu1', ['10.57.20.20', '127.0.0.1']);
  assert.equal(readFileSync(f.caCert, 'utf8'), before[0]);
  const moved = new X509Certificate(readFileSync(f.serverCert));
  assert.equal(moved.subjectAltName, 'IP Address:10.57.20.20, IP Address:127.0.0.1');
  assert.ok(moved.verify(ca.publicKey));
});

test("redis.tls renders TLS only on Debian's commented examples (port 0, tls-port, the three files, tls-auth-clients no), idempotently, and off again comments them out", () => {
  const base = { password: PASSWORD, articleExact: false, port: 6379 };
  const on = applyLabRedisConfig(PRISTINE, { ...base, tls: REDIS_TLS_NODE_FILES });
  assert.equal(line(on.text, 138), 'port 0');
  assert.equal(line(on.text, 195), 'tls-port 6379');
  assert.equal(line(on.text, 201), 'tls-cert-file /etc/redis/tls/redis.crt');
  assert.equal(line(on.text, 202), 'tls-key-file /etc/redis/tls/redis.key');
  assert.equal(line(on.text, 236), 'tls-ca-cert-file /etc/redis/tls/ca.crt');
  assert.equal(line(on.text, 246), 'tls-auth-clients no');
  assert.deepEqual(
    on.changed.filter((c) => /tls|port/.test(c)),
    [
      '138: port 6379 -> port 0',
      '195: # tls-port 6379 -> tls-port 6379',
      '201: # tls-cert-file redis.crt -> tls-cert-file /etc/redis/tls/redis.crt',
      '202: # tls-key-file redis.key -> tls-key-file /etc/redis/tls/redis.key',
      '236: # tls-ca-cert-file ca.crt -> tls-ca-cert-file /etc/redis/tls/ca.crt',
      '246: # tls-auth-clients no -> tls-auth-clients no',
    ],
  );
  assert.deepEqual(checkRedisConf(on.text).tls, true);
  assert.equal(checkRedisConf(on.text).port, 6379);
  assert.deepEqual(applyLabRedisConfig(on.text, { ...base, tls: REDIS_TLS_NODE_FILES }).changed, []);

  const off = applyLabRedisConfig(on.text, base);
  assert.equal(line(off.text, 138), 'port 6379');
  for (const n of [195, 201, 202, 236, 246]) assert.match(line(off.text, n)!, /^# tls-/);
  assert.equal(checkRedisConf(off.text).tls, false);
  assert.deepEqual(applyLabRedisConfig(off.text, base).changed, []);
  // article_exact never has TLS, whatever is asked
  const exact = applyLabRedisConfig(on.text, { articleExact: true, port: 6379, tls: REDIS_TLS_NODE_FILES });
  assert.equal(checkRedisConf(exact.text).tls, false);
  // paths go unquoted into redis.conf
  assert.throws(
    () => applyLabRedisConfig(PRISTINE, { ...base, tls: { ...REDIS_TLS_NODE_FILES, keyFile: '/tmp/a key' } }),
    (e: Error) => isCrawlError(e) && e.code === 'CRAWL_E_LAB_CONFIG' && /keyFile/.test(e.message),
  );
});

test('a real redis-server with the TLS rendering answers rediss:// with the lab CA, refuses a client without it, and gives plain TCP no +PONG', async (t) => {
  const dir = tempDir(t, 'lab-redis-tls-');
  const f = await ensureLabTls(join(dir, 'state'), 'tlsu2', ['10.57.20.10', '127.0.0.1']);
  const port = await freePort();
  const conf = join(dir, 'redis.conf');
  writeFileSync(
    conf,
    applyLabRedisConfig(PRISTINE, {
      password: PASSWORD,
      articleExact: false,
      port,
      tls: { certFile: f.serverCert, keyFile: f.serverKey, caFile: f.caCert },
    }).text,
  );
  await startConfRedis(t, conf, dir, ['--bind', '127.0.0.1']);
  const url = `rediss://:${PASSWORD}@127.0.0.1:${port}/0`;

  const client = await connectAdmin(url, { ca: f.caCert });
  t.after(() => client.disconnect());
  assert.equal(await client.ping(), 'PONG');
  assert.equal((await client.config('GET', 'port'))[1], '0', 'no plaintext listener');

  // without the lab CA (the system's CAs): certificate verification fails, said with the code and the fix
  await assert.rejects(connectAdmin(url), (e: Error) => {
    assert.ok(isCrawlError(e) && e.code === 'CRAWL_E_REDIS_UNREACHABLE', String(e));
    assert.match(e.message, /certificate/i);
    assert.match(e.hint ?? '', /redisCa|CRAWL_REDIS_CA/);
    return true;
  });
  // plain TCP to the same port: the TLS listener never answers +PONG
  const plain = await plainPing('127.0.0.1', port);
  assert.doesNotMatch(plain, /PONG/);
  t.diagnostic(`plain TCP PING got: ${JSON.stringify(plain)}`);
  // redis-cli as the lab's steps call it
  const cli = await run('redis-cli', [
    '-h',
    '127.0.0.1',
    '-p',
    String(port),
    '--tls',
    '--cacert',
    f.caCert,
    '--no-auth-warning',
    '-a',
    PASSWORD,
    'ping',
  ]);
  assert.equal(cli.stdout.trim(), 'PONG');
});

test('redisTlsOptions: nothing for redis://, TLS for rediss://, a CA file that cannot be read names redisCa', (t) => {
  assert.deepEqual(redisTlsOptions('redis://127.0.0.1:6379/0', '/nope'), {});
  assert.deepEqual(redisTlsOptions('rediss://127.0.0.1:6379/0'), { tls: {} });
  const dir = tempDir(t, 'lab-redis-ca-');
  writeFileSync(join(dir, 'ca.crt'), 'PEM');
  assert.equal(String(redisTlsOptions('rediss://h/0', join(dir, 'ca.crt')).tls?.ca), 'PEM');
  assert.throws(
    () => redisTlsOptions('rediss://h/0', join(dir, 'missing.crt')),
    (e: Error) =>
      isCrawlError(e) &&
      e.code === 'CRAWL_E_REDIS_TLS' &&
      /redisCa/.test(e.message) &&
      /CRAWL_REDIS_CA/.test(e.hint ?? ''),
  );
});

test('redis.tls on the local provider is refused before anything runs: its nodes have no root', async (t) => {
  const dir = tempDir(t, 'lab-tls-local-');
  writeFileSync(
    join(dir, 'lab.yaml'),
    'provider: local\nredis: { tls: true }\nmongodb: { enabled: false }\n',
  );
  const lab = await openLab({
    configPath: join(dir, 'lab.yaml'),
    stateDir: join(dir, 'state'),
    labId: 'tlsloc',
    log: () => {},
  });
  assert.throws(
    () => labSteps(lab),
    (e: Error) =>
      isCrawlError(e) &&
      e.code === 'CRAWL_E_LAB_CONFIG' &&
      /redis\.tls: true needs root on the nodes/.test(e.message) &&
      /redis\.tls: false/.test(e.hint ?? ''),
  );
  assert.ok(!existsSync(join(dir, 'state', 'tls')), 'no CA was made');
});
