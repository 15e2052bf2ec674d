import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { connectAdmin } from 'crawl-lab/admin';
import { isCrawlError } from '../../common/errors.ts';
import { ensureDist } from '../../lab/build/dist.ts';
import { redisAdmin } from '../../lab/chaos/faults.ts';
import { statusLines } from '../../lab/commands/status.ts';
import { runCrawl } from '../../lab/runner/run-crawl.ts';
import { workerLaunch, workersOf } from '../../lab/runner/workers.ts';
import {
  hostRedisCa,
  hostRedisUrl,
  type Lab,
  labUp,
  masterOf,
  openLab,
  redisUrlOf,
} from '../../provision/lab.ts';
import { REDIS_CRAWLER_USER } from '../../provision/redis-acl.ts';
import { labTlsFiles, NODE_REDIS_CA, REDIS_TLS_NODE_FILES } from '../../provision/redis-tls.ts';
import { REDIS_CONF } from '../../provision/steps/redis.ts';
import { netnsSkip, tempLab } from '../helpers/netns-lab.ts';
import { plainPing } from '../helpers/redis.ts';
import { assertTruthExact } from '../provision/netns-support.ts';

/**
 * Issue 15 §3, last point: `redis.tls: true` on a netns lab. lab:up makes the
 * lab CA and the master's certificate, Redis answers TLS only (no plaintext
 * port), every client (lab:up's own PINGs, the workers, the runner's admin and
 * watcher connections from this host) verifies Redis with the lab CA, and a
 * crawl matches the site's truth. A plain client gets no +PONG; a TLS client
 * without the lab CA fails verification. Then --article-exact turns it into
 * the article's plain Redis (no TLS), and a plain lab:up with redis.tls off
 * gives the lab's default. Two nodes to save time.
 * Lab id tlse2e, 10.57.20.0/24.
 */
const skip = netnsSkip();
const NET = '10.57.20';
const YAML = `
provider: netns
network: { cidr: ${NET}.0/24 }
nodes:
  - { name: master, role: master, ip: ${NET}.10 }
  - { name: worker1, role: worker, ip: ${NET}.11 }
redis: { tls: true }
crawl: { list_pages: 2 }
mongodb: { enabled: false }
`;

/** redis-cli from worker1 to the master as the crawl's user, with `tls` flags; stdout and stderr together. */
async function cliFromWorker(lab: Lab, tls: string[], ...args: string[]): Promise<string> {
  const worker = lab.nodes.find((n) => n.role === 'worker')!;
  const r = await lab.provider
    .transport(worker)
    .run(
      [
        'redis-cli',
        '-h',
        masterOf(lab).ip,
        '-p',
        String(lab.config.redis.port),
        ...tls,
        '--user',
        REDIS_CRAWLER_USER,
        '--no-auth-warning',
        ...args,
      ],
      { nothrow: true, env: { REDISCLI_AUTH: lab.secrets.redisPassword }, timeoutMs: 10_000 },
    );
  return `${r.stdout}${r.stderr}`.trim();
}

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

test('issue 15 §3: a netns lab with redis.tls: true speaks TLS only, verified with the lab CA, and crawls to the truth', {
  skip,
  timeout: 900_000,
}, async (t) => {
  const temp = tempLab(t, { labId: 'tlse2e', yaml: YAML });
  await ensureDist();
  const lab = await temp.open();
  const first = await labUp(lab);
  const report = (step: string, node: string) => first.find((r) => r.step === step && r.node === node);
  assert.equal(report('redis-configure', 'master')?.status, 'changed');
  for (const node of ['master', 'worker1'])
    assert.equal(report('redis-tls-ca', node)?.status, 'changed', node);
  assert.equal(report('redis-reachable', 'worker1')?.status, 'ok', "the worker's TLS PING passed");

  // the lab CA and the master's key on this host: 0600 in a 0700 folder
  const files = labTlsFiles(temp.stateDir);
  assert.equal(mode(files.dir), '700');
  assert.equal(mode(files.caKey), '600');
  assert.equal(mode(files.serverKey), '600');
  assert.equal(hostRedisCa(lab), files.caCert);
  // lab:status says so
  const status = await statusLines(lab);
  assert.equal(status.down, 0, status.lines.join('\n'));
  assert.ok(
    status.lines.includes(`redis: TLS only (rediss://) on port 6379, lab CA ${files.caCert}`),
    status.lines.join('\n'),
  );

  // the master: TLS only, the key its Redis user's alone
  const m = lab.provider.transport(masterOf(lab));
  const conf = (await m.run(['cat', REDIS_CONF])).stdout;
  assert.match(conf, /^port 0$/m);
  assert.match(conf, /^tls-port 6379$/m);
  assert.match(conf, /^tls-auth-clients no$/m);
  const keyStat = (await m.run(['stat', '-c', '%a %U', REDIS_TLS_NODE_FILES.keyFile])).stdout.trim();
  assert.equal(keyStat, '600 redis');
  // Debian's /etc/redis is setgid redis, so the folder keeps that bit: no rights for anyone but redis
  assert.match((await m.run(['stat', '-c', '%a %U', '/etc/redis/tls'])).stdout.trim(), /^2?700 redis$/);
  assert.equal((await m.run(['cat', NODE_REDIS_CA])).stdout, readFileSync(files.caCert, 'utf8'));

  // the URLs: rediss:// everywhere; the workers get the CA's path on their node
  assert.match(redisUrlOf(lab), /^rediss:\/\//);
  const hostUrl = await hostRedisUrl(lab);
  assert.match(hostUrl, /^rediss:\/\//);
  const worker = workersOf(lab).find((w) => w.node.name === 'worker1')!;
  assert.equal(
    workerLaunch(lab, worker, { kind: 'jsonl', why: 'test' }).env['CRAWL_REDIS_CA'],
    NODE_REDIS_CA,
  );

  // from a worker: TLS with the lab CA answers; plain, or TLS without the lab CA, does not
  assert.equal(await cliFromWorker(lab, ['--tls', '--cacert', NODE_REDIS_CA], 'ping'), 'PONG');
  const plain = await cliFromWorker(lab, [], 'ping');
  assert.doesNotMatch(plain, /PONG/);
  t.diagnostic(`plain redis-cli from worker1: ${JSON.stringify(plain)}`);
  const untrusted = await cliFromWorker(lab, ['--tls'], 'ping');
  assert.doesNotMatch(untrusted, /PONG/);
  assert.match(untrusted, /certificate/i);

  // from this host: the same three
  const { hostname, port } = new URL(hostUrl);
  const admin = await connectAdmin(hostUrl, { ca: files.caCert });
  assert.equal(await admin.ping(), 'PONG');
  admin.disconnect();
  await assert.rejects(connectAdmin(hostUrl), (e: Error) => {
    assert.ok(isCrawlError(e) && e.code === 'CRAWL_E_REDIS_UNREACHABLE', String(e));
    assert.match(e.message, /certificate/i);
    assert.match(e.hint ?? '', /CRAWL_REDIS_CA/);
    return true;
  });
  const raw = await plainPing(hostname, Number(port));
  assert.doesNotMatch(raw, /PONG/);
  t.diagnostic(`plain TCP PING from this host: ${JSON.stringify(raw)}`);

  // lab:chaos's admin redis-cli on the master: over TLS too
  assert.equal(await redisAdmin(lab, ['config', 'get', 'port']), 'port\n0', 'no plaintext port');

  // the crawl: workers, runner and watcher all over TLS; the truth check passes
  const result = await runCrawl(lab);
  assertTruthExact(result.truth);
  assert.ok(
    result.workers.every((w) => w.exit === 0),
    JSON.stringify(result.workers),
  );
  t.diagnostic(`crawl over TLS: ${result.pages} pages, ${result.items} items in ${result.elapsedMs} ms`);

  // lab:up again: nothing to change, no restart, the same CA
  const ca = readFileSync(files.caCert, 'utf8');
  const again = await labUp(lab);
  for (const r of again.filter((r) => r.step.startsWith('redis-')))
    assert.notEqual(r.status, 'changed', `${r.step} on ${r.node}`);
  assert.equal(readFileSync(files.caCert, 'utf8'), ca);

  // --article-exact on the TLS lab: the article's Redis exactly, no TLS (plain, no password)
  const where = { configPath: temp.configPath, stateDir: temp.stateDir, labId: temp.labId, log: () => {} };
  const exact = await openLab({ ...where, articleExact: true });
  assert.equal(exact.config.redis.tls, false);
  const opened = await labUp(exact);
  assert.equal(opened.find((r) => r.step === 'redis-configure')?.status, 'changed');
  assert.ok(!opened.some((r) => r.step === 'redis-tls-ca'));
  const exactConf = (await m.run(['cat', REDIS_CONF])).stdout;
  assert.doesNotMatch(exactConf, /^\s*tls-/m);
  assert.match(exactConf, /^port 6379$/m);
  const worker1 = lab.nodes.find((n) => n.role === 'worker')!;
  const open = await lab.provider
    .transport(worker1)
    .run(['redis-cli', '-h', masterOf(lab).ip, 'ping'], { nothrow: true, timeoutMs: 10_000 });
  assert.equal(open.stdout.trim(), 'PONG', 'the article: plain, no password');
  assert.match(redisUrlOf(exact), /^redis:\/\//);

  // redis.tls: false and the lab's default again: plain TCP with the crawl's user
  writeFileSync(temp.configPath, YAML.replace('redis: { tls: true }', ''));
  const plainLab = await openLab({ ...where, articleExact: false });
  const back = await labUp(plainLab);
  assert.equal(back.find((r) => r.step === 'redis-configure')?.status, 'changed');
  assert.doesNotMatch((await m.run(['cat', REDIS_CONF])).stdout, /^\s*tls-/m);
  assert.equal(await cliFromWorker(plainLab, [], 'ping'), 'PONG');
  assert.match(redisUrlOf(plainLab), /^redis:\/\//);
});
