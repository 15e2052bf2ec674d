import { createHash } from 'node:crypto';

/**
 * The lab's Redis users, as Redis's security guidance asks (issue 15 §3): the
 * `default` user is switched off, the crawl logs in as a user limited to the
 * crawl's keys and to the commands the crawler and the lab send, and
 * provisioning uses an admin user of its own. They are `user` lines of
 * redis.conf (no ACL file), with SHA-256 password hashes: the passwords
 * themselves stay in the lab's secrets (0600) and never reach the file, a log
 * or a command line. Outside `--article-exact` only.
 */

/** The lab's spider (lab/runner/target.ts SPIDER): its keys are `tieba:*`, the crawl user's only keys. */
export const LAB_SPIDER = 'tieba';

/** The crawl's user: workers, lab:crawl, the dashboard, the lessons. */
export const REDIS_CRAWLER_USER = 'crawler';
/** Provisioning's user: lab:up's own PING on the master, chaos faults. */
export const REDIS_ADMIN_USER = 'lab-admin';

/**
 * Every command the crawler (its Lua scripts included: Redis 7 checks the
 * commands a script calls against the caller's rights), `crawl inspect`,
 * `crawl stats`, `crawl reset`, lab:crawl, the dashboard and the lessons' redis-cli
 * lines send, as seen with INFO commandstats over a whole crawl, plus the
 * Lua scripts' calls read from crawler/scheduler/lua. No @admin command, and of
 * @dangerous only INFO (read-only: the crawler reads `INFO persistence` to
 * wait while Redis loads its dataset). Not FLUSHALL, CONFIG, DEBUG, KEYS,
 * SHUTDOWN, SCRIPT FLUSH, MODULE, ACL, REPLICAOF, MIGRATE.
 */
export const CRAWLER_COMMANDS = [
  // connection
  'ping',
  'hello',
  'select',
  'info',
  // scripts and transactions
  'eval',
  'evalsha',
  'script|load',
  'script|exists',
  'multi',
  'exec',
  'discard',
  // keys
  'type',
  'exists',
  'del',
  'unlink',
  'pexpire',
  'scan',
  'memory|usage',
  'time',
  // strings, bits
  'get',
  'set',
  'incr',
  'incrby',
  'setbit',
  'getbit',
  // hashes
  'hget',
  'hset',
  'hdel',
  'hgetall',
  'hincrby',
  'hincrbyfloat',
  'hlen',
  'hvals',
  // lists
  'lpush',
  'rpush',
  'lpop',
  'rpop',
  'llen',
  'lrange',
  // scrapy-redis's RedisSpider takes its start URLs as MULTI; LRANGE; LTRIM; EXEC (crawl.engine scrapy-redis)
  'ltrim',
  // sets
  'sadd',
  'scard',
  'spop',
  'smembers',
  // sorted sets
  'zadd',
  'zcard',
  'zrange',
  'zrangebyscore',
  'zrem',
  'zremrangebyscore',
  'zremrangebyrank',
  'zscore',
] as const;

export interface RedisAclOptions {
  /** The crawl user's password (lab.yaml redis.password, or generated). */
  crawlerPassword: string;
  /** The admin user's password (generated, in the lab's secrets). */
  adminPassword: string;
  /** Key patterns the crawl may touch, e.g. `tieba:*` (the crawl's prefix). */
  keys: readonly string[];
}

/**
 * `default` is off and has no password, so nobody logs in as it: a new
 * connection starts unauthenticated and must AUTH as a lab user. It keeps every
 * right all the same, because Redis 7 (Debian 12's 7.0.15) replays the append-only file
 * at start as `default`, and re-checks the rights of each command of a
 * MULTI/EXEC against it: with `-@all` every transaction in the file (the
 * crawler's queue and filter updates, and its Lua scripts, written as
 * MULTI/EXEC) was refused while the rest loaded, and a Redis restart silently
 * lost part of the crawl (redis/redis#14541, fixed upstream by #14545; valkey#3983).
 */
export const DEFAULT_USER_LINE = 'user default reset off ~* &* +@all';

const sha256 = (secret: string) => createHash('sha256').update(secret).digest('hex');

export interface AclLine {
  user: string;
  /** The redis.conf line. */
  line: string;
  /** The line as logs show it (hash shortened). */
  shown: string;
}

/** The three `user` lines, in redis.conf syntax: default off, the crawl's user, the admin. */
export function labAclLines(o: RedisAclOptions): AclLine[] {
  const crawlerHash = sha256(o.crawlerPassword);
  const adminHash = sha256(o.adminPassword);
  const crawlerRules = [
    'reset',
    'on',
    `#${crawlerHash}`,
    ...o.keys.map((k) => `~${k}`),
    'resetchannels',
    '-@all',
    ...CRAWLER_COMMANDS.map((c) => `+${c}`),
  ].join(' ');
  const adminRules = ['reset', 'on', `#${adminHash}`, '~*', '&*', '+@all'].join(' ');
  const hide = (text: string, hash: string) => text.replace(hash, '<sha256 of the password>');
  return [
    { user: 'default', line: DEFAULT_USER_LINE, shown: DEFAULT_USER_LINE },
    {
      user: REDIS_CRAWLER_USER,
      line: `user ${REDIS_CRAWLER_USER} ${crawlerRules}`,
      shown: hide(`user ${REDIS_CRAWLER_USER} ${crawlerRules}`, crawlerHash),
    },
    {
      user: REDIS_ADMIN_USER,
      line: `user ${REDIS_ADMIN_USER} ${adminRules}`,
      shown: hide(`user ${REDIS_ADMIN_USER} ${adminRules}`, adminHash),
    },
  ];
}
