import { CrawlError } from '../../common/errors.ts';
import { type Lab, masterOf } from '../../provision/lab.ts';
import { applyArticleEdits, applyLabRedisConfig, checkRedisConf } from '../../provision/redis-conf.ts';
import { runSteps } from '../../provision/run-steps.ts';
import {
  explainUnreachable,
  REDIS_CONF,
  redisInstall,
  redisToolsInstall,
} from '../../provision/steps/redis.ts';
import type { LabNode, Transport } from '../../provision/types.ts';

/**
 * Lesson 4 on the lab's real master: Redis as `apt-get install` leaves it, then
 * each of the article's edits on its own, checked from a worker with
 * `redis-cli -h <master> ping` after each one. The edits are the pure
 * transformations of ../redis-conf.ts; this file only reads, writes and restarts.
 */

/** A copy of the distro's file, kept on the master so the lesson can start over. */
export const DISTRO_COPY = `${REDIS_CONF}.distro`;

export type RedisEdit = 'bind' | 'protected-mode' | 'password';
export const REDIS_EDITS: readonly RedisEdit[] = ['bind', 'protected-mode', 'password'];

const t = (lab: Lab, n: LabNode): Transport => lab.provider.transport(n);

/** An active requirepass line with its password hidden; comments (the `foobared` example) stay as they are. */
const hide = (line: string) => line.replace(/^(\s*requirepass\s+)\S+/i, '$1<redacted>');

async function restart(m: Transport): Promise<void> {
  await m.run(['service', 'redis-server', 'restart'], { timeoutMs: 60_000 });
}

/** The lines of redis.conf that lesson 4 is about, with their line numbers. */
export function relevantLines(text: string): string[] {
  const out: string[] = [];
  text.split('\n').forEach((line, i) => {
    if (/^\s*(bind|protected-mode|requirepass|port)\s/i.test(line) || /^# bind 127\.0\.0\.1 -::1/.test(line))
      out.push(`${String(i + 1).padStart(5)}: ${hide(line)}`);
  });
  return out;
}

/** Only the article's first edit: comment out the active bind lines, leave protected-mode as it is. */
export function commentOutBind(text: string): string {
  const before = text.split('\n');
  const after = applyArticleEdits(text).text.split('\n');
  return before.map((line, i) => (/^#\s*bind\b/.test(after[i] ?? '') ? after[i]! : line)).join('\n');
}

/** Machines up (no provisioning): lesson 4 starts from bare Debian nodes. */
export async function machinesUp(lab: Lab): Promise<string> {
  await lab.provider.up(lab.nodes);
  return `machines up: ${lab.nodes.map((n) => `${n.name} ${n.ip}`).join(', ')}`;
}

/**
 * redis-server on the master and redis-tools on the workers (apt), and the
 * master's redis.conf as the package ships it. The first time the file is
 * seen unedited a copy is kept; without one, the package's file is restored
 * with `apt-get install --reinstall -o Dpkg::Options::=--force-confmiss`.
 */
export async function redisDistro(lab: Lab, log: (l: string) => void): Promise<string[]> {
  await lab.provider.up(lab.nodes);
  await runSteps([redisInstall, redisToolsInstall], lab.nodes, (n) => t(lab, n), log);
  const m = t(lab, masterOf(lab));
  const copy = await m.run(['test', '-f', DISTRO_COPY], { nothrow: true });
  if (copy.exitCode === 0) {
    await m.run(['cp', DISTRO_COPY, REDIS_CONF]);
  } else {
    const c = checkRedisConf((await m.run(['cat', REDIS_CONF])).stdout);
    if (c.activeBind.length === 0 || c.protectedModeOff || c.requirepass) {
      log(`${REDIS_CONF} was edited before: restoring the package's file`);
      await m.run(['rm', '-f', REDIS_CONF]);
      await m.run(
        [
          'apt-get',
          'install',
          '--reinstall',
          '-y',
          '-qq',
          '-o',
          'Dpkg::Options::=--force-confmiss',
          'redis-server',
        ],
        { env: { DEBIAN_FRONTEND: 'noninteractive' }, timeoutMs: 600_000, internet: true },
      );
    }
    await m.run(['cp', '-p', REDIS_CONF, DISTRO_COPY]);
  }
  await restart(m);
  return [
    `${REDIS_CONF} on ${masterOf(lab).name}, as the package installs it:`,
    ...relevantLines(await cat(m)),
  ];
}

async function cat(m: Transport): Promise<string> {
  return (await m.run(['cat', REDIS_CONF])).stdout;
}

/** Apply one edit to the master's redis.conf and restart Redis; returns the changed lines. */
export async function redisEdit(lab: Lab, edit: RedisEdit): Promise<string[]> {
  const m = t(lab, masterOf(lab));
  const current = await cat(m);
  let next: string;
  if (edit === 'bind') next = commentOutBind(current);
  else if (edit === 'protected-mode') next = applyArticleEdits(current).text;
  else if (lab.config.redis.articleExact) {
    return [
      'redis.article_exact is true in lab.yaml: the lab leaves Redis without a password, as the article does',
    ];
  } else {
    next = applyLabRedisConfig(current, {
      password: lab.secrets.redisPassword,
      articleExact: false,
      port: lab.config.redis.port,
    }).text;
  }
  const a = current.split('\n');
  const changed = next
    .split('\n')
    .flatMap((line, i) => (line === a[i] ? [] : [`${i + 1}: ${hide(a[i] ?? '(added)')} -> ${hide(line)}`]));
  if (changed.length === 0) return [`${REDIS_CONF}: already edited (${edit}), nothing to change`];
  await m.run(['tee', REDIS_CONF], { input: next });
  await restart(m);
  return [`${REDIS_CONF} on ${masterOf(lab).name}:`, ...changed, 'service redis-server restart'];
}

/** From a worker: redis-cli -h <master> ping, with the lab's password when `auth`. */
export async function pingFrom(lab: Lab, nodeName: string, auth: boolean): Promise<string[]> {
  const node = lab.nodes.find((n) => n.name === nodeName);
  if (!node) {
    throw new CrawlError('CRAWL_E_USAGE', `no node named "${nodeName}"`, {
      hint: `nodes: ${lab.nodes.map((n) => n.name).join(', ')}`,
    });
  }
  const master = masterOf(lab);
  const port = String(lab.config.redis.port);
  const argv = ['redis-cli', '-h', master.ip, '-p', port, '--no-auth-warning', 'ping'];
  const env: Record<string, string> = auth ? { REDISCLI_AUTH: lab.secrets.redisPassword } : {};
  const r = await t(lab, node).run(argv, { nothrow: true, env, timeoutMs: 15_000 });
  const said = `${r.stdout}${r.stderr}`.trim();
  const lines = [`${node.name}$ ${auth ? 'REDISCLI_AUTH=*** ' : ''}${argv.join(' ')}`, said];
  if (said !== 'PONG') lines.push(`why: ${explainUnreachable(said, master, lab.config.redis.port)}`);
  return lines;
}
