/**
 * Why a Redis server cannot be used, from the only thing that says so: the
 * error text (ioredis) or the output of redis-cli. Both the crawler's admin
 * commands and the lab's reachability check explain failures through this one
 * adapter, so the text matching lives in one place and the hints agree.
 */

/** The causes a learner meets in lesson 4, in the order they are checked. */
export type RedisFailure =
  | 'loading'
  | 'refused'
  | 'protected-mode'
  | 'password'
  | 'no-answer'
  // TLS (lab.yaml redis.tls): the certificate is not from a CA this client trusts
  | 'tls-untrusted'
  // a plain client on a TLS port (or the reverse): the server cuts the connection at once
  | 'reset';

/** Redis's reply while it reads its dump.rdb or appendonly file after a start: "LOADING Redis is loading the dataset in memory". */
export function isRedisLoading(text: string): boolean {
  return /^LOADING\b/m.test(text) || /loading the dataset in memory/i.test(text);
}

export function classifyRedisFailure(text: string): RedisFailure | undefined {
  if (isRedisLoading(text)) return 'loading';
  if (/ECONNREFUSED|Connection refused/i.test(text)) return 'refused';
  // DENIED is Redis's own upper-case reply word; "Permission denied" (ssh, files) is not it
  if (/DENIED/.test(text) || /protected mode/i.test(text)) return 'protected-mode';
  if (/NOAUTH|WRONGPASS|invalid password|AUTH/i.test(text)) return 'password';
  if (/ETIMEDOUT|EHOSTUNREACH|timed out|timeout|No route/i.test(text)) return 'no-answer';
  if (
    /self[- ]signed certificate|unable to (get|verify)[\w ]* certificate|certificate verify failed/i.test(
      text,
    )
  )
    return 'tls-untrusted';
  if (/ECONNRESET|Connection reset by peer/i.test(text)) return 'reset';
  return undefined;
}

/**
 * The hint for a failed connection to Redis at host:port: bind, protected
 * mode, password or firewall; undefined when the text names none of them (the
 * caller knows its own fallback: which flag or file set the address).
 */
export function redisUnreachableHint(text: string, host: string, port: number): string | undefined {
  const at = `${host}:${port}`;
  switch (classifyRedisFailure(text)) {
    case 'loading':
      return `Redis at ${at} is still loading its dataset into memory after a start (a large dump.rdb or appendonly file takes a while): wait until it answers PONG, then run the command again.`;
    case 'refused':
      return `nothing listens at ${at}: start redis-server there; if it runs, it listens only on 127.0.0.1 because of the "bind 127.0.0.1 -::1" line in redis.conf (/etc/redis/redis.conf on Debian). The article comments that line out.`;
    case 'protected-mode':
      return 'Redis answers but refuses other machines: protected mode is on and no password is set. The article sets "protected-mode no"; the lab\'s default sets a password (requirepass) instead of leaving it open.';
    case 'password':
      return 'Redis wants a password, and this one is missing or wrong: the lab keeps it in .lab/secrets.json; in a Redis URL it goes after a colon before @host (redis://:PASSWORD@host:port/0).';
    case 'no-answer':
      return `no answer from ${at}: check the address and that a firewall lets port ${port} through.`;
    case 'tls-untrusted':
      return `Redis at ${at} speaks TLS with a certificate from a CA this client does not trust: give the CA's certificate with --set redisCa=<file> or CRAWL_REDIS_CA (a lab with redis.tls keeps it in .lab/tls/ca.crt, and on its nodes in /etc/crawl-lab/redis-ca.crt); redis-cli: --tls --cacert <file>.`;
    case 'reset':
      return `Redis at ${at} cut the connection at once: if it speaks TLS (lab.yaml redis.tls: true) use a rediss:// URL with the lab CA (redis-cli: --tls --cacert <file>); with plain Redis, use redis://.`;
    default:
      return undefined;
  }
}
