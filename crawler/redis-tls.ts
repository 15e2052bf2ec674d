import { readFileSync } from 'node:fs';
import type { RedisOptions } from 'ioredis';
import { ConfigError } from './errors.ts';

/**
 * TLS for `rediss://` URLs: ioredis speaks TLS for that scheme and verifies
 * the server's certificate; `caFile` (the redisCa setting, CRAWL_REDIS_CA) is
 * the PEM certificate of the CA that signed it, such as the lab's own CA. Empty:
 * the system's CAs, which do not know a lab CA, so verification fails. A
 * certificate names the server by IP address (the lab's master), so the host
 * is checked against its IP entries. `redis://` gets nothing: plain TCP.
 */
export function redisTlsOptions(url: string, caFile = ''): Pick<RedisOptions, 'tls'> {
  if (!/^rediss:\/\//i.test(url)) return {};
  if (caFile === '') return { tls: {} };
  try {
    return { tls: { ca: readFileSync(caFile) } };
  } catch (cause) {
    throw new ConfigError('CRAWL_E_REDIS_TLS', `cannot read the Redis CA certificate ${caFile} (redisCa)`, {
      cause,
      hint: "point --set redisCa=<file> or CRAWL_REDIS_CA at the PEM certificate of the CA that signed Redis's certificate (a lab keeps it in <state>/tls/ca.crt, and on its nodes in /etc/crawl-lab/redis-ca.crt)",
    });
  }
}
