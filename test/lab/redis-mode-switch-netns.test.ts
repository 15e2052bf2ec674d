import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { ensureDist } from '../../lab/build/dist.ts';
import { runCrawl } from '../../lab/runner/run-crawl.ts';
import { type Lab, labUp, masterOf, openLab } from '../../provision/lab.ts';
import { REDIS_ADMIN_USER, REDIS_CRAWLER_USER } from '../../provision/redis-acl.ts';
import { FIREWALL_TABLE } from '../../provision/steps/firewall.ts';
import { REDIS_CONF } from '../../provision/steps/redis.ts';
import { netnsSkip, tempLab, threeNodeYaml } from '../helpers/netns-lab.ts';
import { assertTruthExact } from '../provision/netns-support.ts';

/**
 * Issue 15 §5 and §3 on stand-in hosts: `lab:up --article-exact` on a lab
 * provisioned with a password opens Redis the article's way (no password, no
 * bind), and a plain lab:up closes it again; lab:up's own PING and the crawl
 * work after each switch. Outside article_exact Redis listens on the master's
 * lab address and 127.0.0.1 only (no [::], no IPv6 link-local), and the
 * master's nftables table is there by default; firewall.mode "off" removes it.
 * Lab id h15a, 10.71.15.0/24.
 */
const skip = netnsSkip();
const NET = '10.71.15';
const REST = `
crawl: { list_pages: 2 }
mongodb: { enabled: false }
`;

/** What Redis listens on in the master's namespace (its /proc/net/tcp and tcp6), as `address:port` words. */
async function listeners(lab: Lab): Promise<string[]> {
  const m = lab.provider.transport(masterOf(lab));
  const port = lab.config.redis.port.toString(16).toUpperCase().padStart(4, '0');
  const found: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = (await m.run(['cat', file], { nothrow: true })).stdout;
    for (const line of text.split('\n').slice(1)) {
      const [, local = '', , state] = line.trim().split(/\s+/);
      const [hex = '', p] = local.split(':');
      if (state !== '0A' || p !== port) continue; // 0A: LISTEN
      const address =
        hex.length === 8
          ? (hex.match(/../g) ?? [])
              .map((b) => Number.parseInt(b, 16))
              .reverse()
              .join('.')
          : `[${hex}]`;
      found.push(`${address}:${lab.config.redis.port}`);
    }
  }
  return found.sort();
}

/** redis-cli from worker1 to the master, as `user` (with its password) or without login. */
async function cliFromWorker(
  lab: Lab,
  login: { user: string; password: string } | undefined,
  ...args: string[]
) {
  const worker = lab.nodes.find((n) => n.role === 'worker')!;
  const port = String(lab.config.redis.port);
  const user = login ? ['--user', login.user] : [];
  const r = await lab.provider
    .transport(worker)
    .run(['redis-cli', '-h', masterOf(lab).ip, '-p', port, ...user, '--no-auth-warning', ...args], {
      nothrow: true,
      env: login ? { REDISCLI_AUTH: login.password } : {},
      timeoutMs: 10_000,
    });
  return `${r.stdout}${r.stderr}`.trim();
}

const pingFromWorker = (lab: Lab, login?: { user: string; password: string }) =>
  cliFromWorker(lab, login, 'ping');
const crawlerOf = (lab: Lab) => ({ user: REDIS_CRAWLER_USER, password: lab.secrets.redisPassword });
const adminOf = (lab: Lab) => ({ user: REDIS_ADMIN_USER, password: lab.secrets.redisAdminPassword });

async function crawlExact(lab: Lab): Promise<void> {
  const result = await runCrawl(lab, { resume: false });
  assertTruthExact(result.truth);
  assert.ok(
    result.workers.every((w) => w.exit === 0),
    JSON.stringify(result.workers),
  );
}

test('issue 15: lab:up switches a provisioned netns lab to article-exact and back; Redis binds the lab address and loopback only; the firewall is on by default and off removes it', {
  skip,
  timeout: 1_200_000,
}, async (t) => {
  const temp = tempLab(t, { labId: 'h15a', yaml: threeNodeYaml(NET, REST) });
  const where = { configPath: temp.configPath, stateDir: temp.stateDir, labId: 'h15a', log: () => {} };
  await ensureDist();

  // 1. the lab's default: password, bind, firewall
  const secure = await openLab({ ...where, articleExact: false });
  const first = await labUp(secure);
  assert.ok(
    first.some((r) => r.step === 'firewall' && r.status === 'changed'),
    'the firewall is on for stand-ins',
  );
  assert.deepEqual(await listeners(secure), [`${NET}.10:6379`, `127.0.0.1:6379`], 'not 0.0.0.0, not [::]');
  const m = secure.provider.transport(masterOf(secure));
  assert.match((await m.run(['nft', 'list', 'tables'])).stdout, new RegExp(FIREWALL_TABLE));
  assert.match(await pingFromWorker(secure), /NOAUTH/);
  assert.equal(await pingFromWorker(secure, crawlerOf(secure)), 'PONG');
  const asDefault = { user: 'default', password: secure.secrets.redisPassword };
  assert.match(await pingFromWorker(secure, asDefault), /WRONGPASS|AUTH failed/, 'the default user is off');
  assert.equal(
    await cliFromWorker(secure, adminOf(secure), 'acl', 'log', 'reset'),
    'OK',
    'forget that refusal',
  );
  await crawlExact(secure);
  // the crawl needed no command and no key its user lacks: Redis logged no refusal
  assert.equal(await cliFromWorker(secure, adminOf(secure), 'acl', 'log'), '');
  for (const attack of [['flushall'], ['config', 'set', 'dir', '/tmp'], ['set', 'other:key', '1']])
    assert.match(await cliFromWorker(secure, crawlerOf(secure), ...attack), /NOPERM/, attack.join(' '));

  // 2. --article-exact on the provisioned lab: no password, no bind, lab:up's own PING passes
  const exact = await openLab({ ...where, articleExact: true });
  const opened = await labUp(exact);
  assert.ok(opened.some((r) => r.step === 'redis-configure' && r.status === 'changed'));
  const conf = (await m.run(['cat', REDIS_CONF])).stdout;
  assert.doesNotMatch(conf, /^\s*requirepass/m);
  assert.doesNotMatch(conf, /^\s*bind/m);
  assert.equal(await pingFromWorker(exact), 'PONG', 'the article: anyone on the lab network gets in');
  const later = await openLab(where);
  assert.equal(later.config.redis.articleExact, true, 'lab:crawl follows the recorded mode');
  await crawlExact(later);

  // 3. back: the password and the bind return, lab:up's PING and the crawl work
  const back = await openLab({ ...where, articleExact: false });
  const closed = await labUp(back);
  assert.ok(closed.some((r) => r.step === 'redis-configure' && r.status === 'changed'));
  assert.match(await pingFromWorker(back), /NOAUTH/);
  assert.equal(await pingFromWorker(back, crawlerOf(back)), 'PONG');
  assert.deepEqual(await listeners(back), [`${NET}.10:6379`, `127.0.0.1:6379`]);
  await crawlExact(await openLab(where));

  // 4. firewall.mode "off": the table goes
  writeFileSync(temp.configPath, `${threeNodeYaml(NET, REST)}firewall: { mode: "off" }\n`);
  const off = await openLab(where);
  const removed = await labUp(off);
  assert.ok(removed.some((r) => r.step === 'firewall-off' && r.status === 'changed'));
  assert.doesNotMatch((await m.run(['nft', 'list', 'tables'])).stdout, new RegExp(FIREWALL_TABLE));
});
