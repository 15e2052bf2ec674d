import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { which } from '../host-probe.ts';
import { labTlsFiles } from '../redis-tls.ts';
import { installHint } from './install-hints.ts';
import type { DoctorContext, Finding } from './types.ts';

/**
 * lab.yaml redis.tls: whether Redis speaks TLS, and if so what lab:up needs
 * for it (openssl on this host, root on the nodes: not the local provider)
 * and the lab CA it made, with its expiry. Plain Redis is not a problem, only
 * said: the password and the crawl cross the lab network in clear text.
 */
export function redisTlsCheck(ctx: DoctorContext): Finding {
  const id = 'redis-tls';
  if (!ctx.config) return { id, message: 'skipped: lab.yaml is invalid', blocks: [] };
  const { redis } = ctx.config;
  if (redis.articleExact)
    return {
      id,
      message: "Redis TLS off: article_exact is the article's open Redis (no password, no TLS)",
      blocks: [],
    };
  if (!redis.tls)
    return {
      id,
      message:
        'Redis TLS off (redis.tls: false): the crawl password and data cross the lab network in clear text (docs/security.md)',
      blocks: [],
    };
  if (!which('openssl', ctx.env))
    return {
      id,
      message: 'Redis TLS on (redis.tls: true), but openssl is not on PATH: lab:up makes the lab CA with it',
      fix: `${installHint('openssl')}, or set redis.tls: false in lab.yaml`,
      blocks: ['vagrant', 'qemu', 'netns', 'ssh', 'local'],
    };
  const files = labTlsFiles(ctx.stateDir);
  // local nodes have no root (lab:up refuses TLS there, also when auto picks local)
  const local: Pick<Finding, 'fix' | 'blocks'> =
    ctx.config.provider === 'local'
      ? {
          fix: 'redis.tls needs root on the nodes: pick provider netns (as root), qemu, vagrant or ssh, or set redis.tls: false',
          blocks: ['local'],
        }
      : { blocks: [] };
  if (!existsSync(files.caCert))
    return {
      id,
      message: `Redis TLS on (redis.tls: true): rediss:// on port ${redis.port}, no plaintext port; the lab CA is made at the next lab:up in ${files.dir}`,
      ...local,
    };
  const ca = new X509Certificate(readFileSync(files.caCert));
  return {
    id,
    message: `Redis TLS on (redis.tls: true): rediss:// on port ${redis.port}, no plaintext port; lab CA ${files.caCert} (valid until ${new Date(ca.validTo).toISOString().slice(0, 10)})`,
    ...local,
  };
}
