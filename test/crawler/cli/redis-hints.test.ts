import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { test } from 'node:test';
import { isCrawlError } from '../../../crawler/errors.ts';
import { connectAdmin, unreachable } from '../../../crawler/redis-admin.ts';
import { classifyRedisFailure, redisUnreachableHint } from '../../../crawler/redis-hints.ts';
import { explainUnreachable } from '../../../provision/steps/redis.ts';
import type { LabNode } from '../../../provision/types.ts';
import { freePort, startRedis } from '../../helpers/redis.ts';

/**
 * The crawler's admin commands (ioredis errors) and the lab's reachability
 * step (redis-cli output) explain a Redis that cannot be used through one
 * adapter; each case here is what a real server or redis-cli said.
 */

const MASTER: LabNode = { name: 'master', role: 'master', ip: '127.0.0.1', memoryMb: 512, cpus: 1 };

function redisCli(port: number, env: Record<string, string> = {}): string {
  const r = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), '--no-auth-warning', 'ping'], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 10_000,
  });
  return `${r.stdout}\n${r.stderr}`;
}

async function adminHint(url: string): Promise<string> {
  try {
    const client = await connectAdmin(url);
    client.disconnect();
  } catch (error) {
    assert.ok(isCrawlError(error));
    assert.equal(error.code, 'CRAWL_E_REDIS_UNREACHABLE');
    return error.hint ?? '';
  }
  throw new Error(`connectAdmin(${url}) should have failed`);
}

/** A client whose address is not 127.0.0.1 sees protected mode (Redis counts only 127.0.0.1 and ::1 as local). */
function replyFrom127002(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    // Redis in protected mode writes its DENIED reply on accept and closes at once, without
    // reading: nothing is sent (a PING written after that close draws a reset that could
    // arrive before the reply is read)
    const socket = connect({ host: '127.0.0.2', port, localAddress: '127.0.0.2' });
    let reply = '';
    socket.setTimeout(5000, () => socket.destroy(new Error('no reply within 5 s')));
    socket.on('data', (d) => {
      reply += d.toString();
      if (reply.endsWith('\r\n')) socket.end();
    });
    socket.on('close', () => resolve(reply));
    socket.on('error', (e) => (reply.endsWith('\r\n') ? resolve(reply) : reject(e)));
  });
}

test('a refused connection is explained by the bind line, alike from redis-cli and from the crawler', async () => {
  const port = await freePort();
  const said = redisCli(port);
  assert.match(said, /Connection refused/);
  const lab = explainUnreachable(said, MASTER, port);
  assert.match(lab, new RegExp(`^nothing listens at 127\\.0\\.0\\.1:${port}: .*"bind 127\\.0\\.0\\.1 -::1"`));
  assert.equal(await adminHint(`redis://127.0.0.1:${port}/0`), lab);
});

test("protected mode's DENIED reply is explained as protected mode, not as a password problem", async (t) => {
  const server = await startRedis(['--bind', '127.0.0.2', '--protected-mode', 'yes']);
  t.after(() => server.stop());
  const reply = await replyFrom127002(server.port);
  assert.match(
    reply,
    /^-DENIED .*authentication password/,
    'the reply mentions a password, which must not mislead',
  );
  assert.equal(classifyRedisFailure(reply), 'protected-mode');
  const hint = unreachable(`redis://127.0.0.2:${server.port}/0`, new Error(reply.slice(1))).hint ?? '';
  assert.match(hint, /protected mode is on and no password is set/);
  assert.equal(hint, explainUnreachable(reply, MASTER, server.port));
});

test('a missing or a wrong password is explained, alike from redis-cli and from the crawler', async (t) => {
  const server = await startRedis(['--requirepass', 'right']);
  t.after(() => server.stop());
  const missing = redisCli(server.port);
  const wrong = redisCli(server.port, { REDISCLI_AUTH: 'wrong' });
  assert.match(missing, /NOAUTH/);
  assert.match(wrong, /WRONGPASS/);
  const hints = [
    explainUnreachable(missing, MASTER, server.port),
    explainUnreachable(wrong, MASTER, server.port),
    await adminHint(`redis://:wrong@127.0.0.1:${server.port}/0`),
    await adminHint(`redis://127.0.0.1:${server.port}/0`),
  ];
  for (const hint of hints) assert.match(hint, /^Redis wants a password, and this one is missing or wrong/);
});

test('no answer names the port the URL gives (timeouts cannot be staged on loopback: the texts are as ioredis and redis-cli write them)', () => {
  const hint = unreachable('redis://127.0.0.1:7001/0', new Error('connect ETIMEDOUT')).hint;
  assert.equal(
    hint,
    'no answer from 127.0.0.1:7001: check the address and that a firewall lets port 7001 through.',
  );
  const cli = 'Could not connect to Redis at 10.57.0.10:6390: Connection timed out';
  assert.equal(classifyRedisFailure(cli), 'no-answer');
  assert.equal(
    redisUnreachableHint(cli, '10.57.0.10', 6390),
    'no answer from 10.57.0.10:6390: check the address and that a firewall lets port 6390 through.',
  );
});

test("text that names no known cause gets each caller's own fallback", () => {
  assert.equal(classifyRedisFailure('Permission denied (publickey).'), undefined);
  assert.equal(
    explainUnreachable('Permission denied (publickey).\n', MASTER, 6379),
    'unexpected answer: Permission denied (publickey).',
  );
  assert.match(
    unreachable('redis://:s3cret@127.0.0.1:6379/0', new Error('something else')).hint ?? '',
    /^is redis-server running there\? Check --redis or REDIS_URL \(now redis:\/\/:\*\*\*@127\.0\.0\.1:6379\/0\)/,
  );
});
