import { DEFAULT_LOADING_TIMEOUT_S, isRedisLoading, redisUnreachableHint } from 'crawl-lab/admin';
import { CrawlError } from '../../common/errors.ts';
import { REDIS_ADMIN_USER, REDIS_CRAWLER_USER } from '../redis-acl.ts';
import { applyLabRedisConfig } from '../redis-conf.ts';
import { NODE_REDIS_CA, REDIS_TLS_NODE_FILES } from '../redis-tls.ts';
import type { LabNode, RunResult, Step, Transport } from '../types.ts';
import { aptInstall } from './apt.ts';
import { installRedisTls, type LabTlsSource } from './redis-tls.ts';

export const REDIS_CONF = '/etc/redis/redis.conf';

export interface RedisStepOptions {
  port: number;
  /** The generated requirepass; undefined with articleExact. */
  password: string | undefined;
  /** Reproduce the article's open configuration (no password). */
  articleExact: boolean;
  /** Outside articleExact: the addresses Redis listens on (the master's lab address, 127.0.0.1). */
  bind?: readonly string[];
  /**
   * Outside articleExact: Redis users instead of requirepass (../redis-acl.ts):
   * `password` is the crawl user's; provisioning's own PING logs in as the admin.
   */
  acl?: { adminPassword: string; keys: readonly string[] };
  /**
   * lab.yaml redis.tls: Redis speaks TLS only, with certificates from the lab
   * CA (made on first use, ../redis-tls.ts); every redis-cli here uses --tls.
   */
  tls?: LabTlsSource;
}

/** Whose PING: the crawl's user (the workers' check) or provisioning's admin (on the master). */
export type RedisLogin = 'crawler' | 'admin';

/** redis-cli's login for `as`: `--user` on the command line (a name, not a secret), the password in REDISCLI_AUTH. */
export function redisCliLogin(
  o: RedisStepOptions,
  as: RedisLogin,
): { args: string[]; env: Record<string, string> } {
  if (o.articleExact || !o.password) return { args: [], env: {} };
  if (!o.acl) return { args: [], env: { REDISCLI_AUTH: o.password } };
  const [user, password] =
    as === 'admin' ? [REDIS_ADMIN_USER, o.acl.adminPassword] : [REDIS_CRAWLER_USER, o.password];
  return { args: ['--user', user], env: { REDISCLI_AUTH: password } };
}

const isMaster = (n: LabNode) => n.role === 'master';

/** The article: `sudo apt-get install redis-server` on the master. */
export const redisInstall: Step = {
  id: 'redis-install',
  appliesTo: isMaster,
  run: async ({ transport }) => ({ status: await aptInstall(transport, ['redis-server']) }),
};

/** redis-cli on the workers, to check from there that the master's Redis answers. */
export const redisToolsInstall: Step = {
  id: 'redis-tools-install',
  appliesTo: (n) => !isMaster(n),
  run: async ({ transport }) => ({ status: await aptInstall(transport, ['redis-tools']) }),
};

/** redis-cli's TLS flags when Redis speaks TLS (`on`): the lab CA's certificate at `cacert` on that node. */
export function redisCliTls(on: boolean, cacert = NODE_REDIS_CA): string[] {
  return on ? ['--tls', '--cacert', cacert] : [];
}

async function pingOnce(
  transport: Transport,
  host: string,
  o: RedisStepOptions & { cacert?: string },
  as: RedisLogin,
) {
  const login = redisCliLogin(o, as);
  const tls = redisCliTls(o.tls !== undefined, o.cacert);
  return transport.run(
    ['redis-cli', '-h', host, '-p', String(o.port), ...tls, ...login.args, '--no-auth-warning', 'ping'],
    { nothrow: true, env: login.env, timeoutMs: 10_000 },
  );
}

/**
 * What lab:up prints for the redis.conf edits, word for word as lesson 4 shows
 * them: `1036: # requirepass foobared -> requirepass <redacted>`. The editor
 * (../redis-conf.ts) already writes the lab's password as `<redacted>`; the
 * commented `foobared` is Debian's example, not a password, so it stays.
 */
export function redisConfLog(changed: readonly string[], label = 'redis.conf'): string[] {
  return changed.map((line) => `${label}: ${line}`);
}

/**
 * `redis-cli ping` from `transport`'s node, waiting while Redis answers
 * "LOADING" (it reads its dataset after a start: `lab:down && lab:up`, issue
 * 12). Bounded by the crawler's redisLoadingTimeout default, told on `log`;
 * then a CRAWL_E_REDIS_LOADING error that says what to do. Any other answer is
 * returned for the caller to judge.
 */
export async function pingAfterLoading(
  transport: Transport,
  host: string,
  o: RedisStepOptions & { loadingTimeoutS?: number; pollMs?: number; as?: RedisLogin; cacert?: string },
  log: (line: string) => void,
): Promise<RunResult> {
  const timeoutS = o.loadingTimeoutS ?? DEFAULT_LOADING_TIMEOUT_S;
  const started = Date.now();
  let toldAt: number | undefined;
  for (;;) {
    const r = await pingOnce(transport, host, o, o.as ?? 'crawler');
    if (!isRedisLoading(`${r.stdout}\n${r.stderr}`)) {
      if (toldAt !== undefined)
        log(
          `Redis at ${host}:${o.port} finished loading after ${((Date.now() - started) / 1000).toFixed(1)} s`,
        );
      return r;
    }
    const waited = (Date.now() - started) / 1000;
    if (waited >= timeoutS) {
      throw new CrawlError(
        'CRAWL_E_REDIS_LOADING',
        `Redis at ${host}:${o.port} is still loading its dataset into memory after ${waited.toFixed(0)} s`,
        {
          hint: `a large dump.rdb or appendonly file takes a while after Redis starts (see its log on the master: npm run lab:logs -- master redis); run npm run lab:up again once it is done`,
        },
      );
    }
    if (toldAt === undefined || Date.now() - toldAt >= 10_000) {
      log(
        `Redis at ${host}:${o.port} is loading its dataset into memory (LOADING); waiting up to ${timeoutS} s`,
      );
      toldAt = Date.now();
    }
    await new Promise((r) => setTimeout(r, o.pollMs ?? 500));
  }
}

/**
 * The article's two edits to /etc/redis/redis.conf (protected-mode no; the active
 * bind line commented out), plus, unless articleExact, a password (and with
 * redis.tls the certificates and TLS-only lines); then restart.
 * The text transformation is pure (../redis-conf.ts); this step only reads,
 * writes when something changed, and restarts.
 */
export function redisConfigure(o: RedisStepOptions): Step {
  return {
    id: 'redis-configure',
    appliesTo: isMaster,
    async run({ transport, log }) {
      // the master's own redis-cli verifies Redis with the CA beside its certificate
      const admin = { ...o, as: 'admin' as const, cacert: REDIS_TLS_NODE_FILES.caFile };
      // certificates before the config that names them: Redis refuses to start without its files
      const tlsChanged = o.tls && !o.articleExact ? await installRedisTls(transport, o.tls) : false;
      if (tlsChanged)
        log(
          `TLS certificates for Redis written to ${REDIS_TLS_NODE_FILES.certFile.replace(/\/[^/]+$/, '/')}`,
        );
      const current = (await transport.run(['cat', REDIS_CONF])).stdout;
      const wanted = applyLabRedisConfig(current, {
        password: o.password,
        articleExact: o.articleExact,
        port: o.port,
        ...(o.bind ? { bind: o.bind } : {}),
        ...(o.acl ? { acl: o.acl } : {}),
        ...(o.tls ? { tls: REDIS_TLS_NODE_FILES } : {}),
      });
      const changed = wanted.text !== current || tlsChanged;
      if (changed) {
        for (const line of redisConfLog(wanted.changed)) log(line);
        // tee rewrites the file in place, keeping its owner (redis) and mode (640)
        if (wanted.text !== current) await transport.run(['tee', REDIS_CONF], { input: wanted.text });
        await transport.run(['service', 'redis-server', 'restart'], { timeoutMs: 60_000 });
      } else if ((await pingAfterLoading(transport, '127.0.0.1', admin, log)).stdout.trim() !== 'PONG') {
        await transport.run(['service', 'redis-server', 'start'], { timeoutMs: 60_000 });
      }
      const pong = await pingAfterLoading(transport, '127.0.0.1', admin, log);
      if (pong.stdout.trim() !== 'PONG') {
        throw new CrawlError(
          'CRAWL_E_PROVISION',
          `Redis on the master does not answer PING: ${(pong.stdout + pong.stderr).trim()}`,
          {
            hint: 'look at /var/log/redis/redis-server.log on the master (npm run lab:ssh -- master)',
          },
        );
      }
      return { status: changed ? 'changed' : 'ok' };
    },
  };
}

/** Explain a worker's failed PING the way lesson 4 does. */
export function explainUnreachable(output: string, master: LabNode, port: number): string {
  return redisUnreachableHint(output, master.ip, port) ?? `unexpected answer: ${output.trim().slice(0, 200)}`;
}

/** Every worker checks that it reaches the master's Redis; a failure says why. */
export function redisReachable(o: RedisStepOptions): Step {
  return {
    id: 'redis-reachable',
    appliesTo: (n) => !isMaster(n),
    async run({ transport, nodes, log }) {
      const master = nodes.find(isMaster);
      if (!master) return { status: 'skipped', why: 'no master node' };
      const r = await pingAfterLoading(transport, master.ip, o, log);
      if (r.stdout.trim() === 'PONG') return { status: 'ok' };
      throw new CrawlError(
        'CRAWL_E_PROVISION',
        `cannot reach Redis on ${master.name} (${master.ip}:${o.port})`,
        {
          hint: explainUnreachable(`${r.stdout}\n${r.stderr}`, master, o.port),
        },
      );
    },
  };
}
