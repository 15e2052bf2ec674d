import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CrawlError } from '../common/errors.ts';
import type { RedisTlsFiles } from './redis-conf.ts';

/**
 * lab.yaml `redis.tls: true`: a lab CA and the master's Redis certificate,
 * made once per lab with the `openssl` CLI (offline, argv only) and kept in
 * the lab's state folder, `<state>/tls/` (folder 0700, private keys 0600).
 * The server certificate names the master's lab address and 127.0.0.1
 * (subjectAltName IP entries), so clients on the workers, on the master and on
 * this host (directly or through a port forwarded to loopback) verify it. It
 * is made again, by the same CA, when the master's address changes.
 */

/** Where the files live on the nodes (VMs, stand-ins, ssh hosts: the system layout). */
export const REDIS_TLS_NODE_FILES: Readonly<RedisTlsFiles> = Object.freeze({
  certFile: '/etc/redis/tls/redis.crt',
  keyFile: '/etc/redis/tls/redis.key',
  caFile: '/etc/redis/tls/ca.crt',
});
/** The lab CA's certificate on every node, for the workers (CRAWL_REDIS_CA) and redis-cli. Public: 0644. */
export const NODE_REDIS_CA = '/etc/crawl-lab/redis-ca.crt';

/** Days the CA and the server certificate are valid: a lab lives for a course, not for years. */
const CA_DAYS = 3650;
const SERVER_DAYS = 825;

/** The files on this host, in the lab's state folder. */
export interface LabTlsFiles {
  dir: string;
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
}

/** What the nodes get: the PEM texts (the CA's key never leaves this host). */
export interface LabTlsPem {
  caCert: string;
  serverCert: string;
  serverKey: string;
}

export function readLabTls(f: LabTlsFiles): LabTlsPem {
  return {
    caCert: readFileSync(f.caCert, 'utf8'),
    serverCert: readFileSync(f.serverCert, 'utf8'),
    serverKey: readFileSync(f.serverKey, 'utf8'),
  };
}

export function labTlsFiles(stateDir: string): LabTlsFiles {
  const dir = join(stateDir, 'tls');
  return {
    dir,
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    serverCert: join(dir, 'redis.crt'),
    serverKey: join(dir, 'redis.key'),
  };
}

const run = promisify(execFile);

/** What making the lab CA needs on this host (lab:up installs it when it may, test/setup/prepare.ts too). */
export const OPENSSL_NEED = {
  tool: 'openssl',
  pkg: 'openssl',
  why: "the lab CA and Redis's certificate (redis.tls)",
};

async function openssl(args: readonly string[]): Promise<void> {
  try {
    await run('openssl', args, { timeout: 60_000 });
  } catch (cause) {
    const stderr = (cause as { stderr?: string }).stderr?.trim();
    throw new CrawlError(
      'CRAWL_E_REDIS_TLS',
      `openssl ${args[0]} failed while making the lab's Redis certificates${stderr ? `: ${stderr.slice(0, 300)}` : ''}`,
      {
        cause,
        hint: 'redis.tls needs the openssl command on this host (apt-get install openssl); or set redis.tls: false in lab.yaml',
      },
    );
  }
}

/**
 * A new P-256 key and its certificate (`openssl req -x509`, self-signed unless
 * `args` names a -CA), written to temporary files and renamed into place: a
 * command reading the folder never sees half a key. The key is 0600.
 */
async function newCertificate(keyPath: string, certPath: string, days: number, args: readonly string[]) {
  const [key, cert] = [`${keyPath}.tmp`, `${certPath}.tmp`];
  await openssl([
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    key,
    '-out',
    cert,
    '-days',
    String(days),
    ...args,
  ]);
  chmodSync(key, 0o600);
  renameSync(key, keyPath);
  renameSync(cert, certPath);
}

/** The subjectAltName the server certificate must carry for `ips`. */
export function serverSan(ips: readonly string[]): string {
  return [...new Set(ips)].map((ip) => `IP:${ip}`).join(',');
}

/**
 * Makes what is missing: the CA (once per lab), then the server certificate
 * for `ips` (again when the recorded subjectAltName differs). Temporary files
 * are renamed into place, so a command reading the folder never sees half a
 * key. Returns the paths.
 */
export async function ensureLabTls(
  stateDir: string,
  labId: string,
  ips: readonly string[],
): Promise<LabTlsFiles> {
  const f = labTlsFiles(stateDir);
  mkdirSync(f.dir, { recursive: true, mode: 0o700 });
  chmodSync(f.dir, 0o700);
  if (!existsSync(f.caCert) || !existsSync(f.caKey)) {
    await newCertificate(f.caKey, f.caCert, CA_DAYS, [
      '-subj',
      `/O=crawl-lab/CN=crawl-lab ${labId} Redis CA`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]);
  }
  const san = serverSan(ips);
  const sanFile = join(f.dir, 'redis.san');
  const current = existsSync(sanFile) ? readFileSync(sanFile, 'utf8') : undefined;
  if (current !== san || !existsSync(f.serverCert) || !existsSync(f.serverKey)) {
    await newCertificate(f.serverKey, f.serverCert, SERVER_DAYS, [
      '-CA',
      f.caCert,
      '-CAkey',
      f.caKey,
      '-subj',
      `/O=crawl-lab/CN=crawl-lab ${labId} Redis`,
      '-addext',
      'basicConstraints=critical,CA:FALSE',
      '-addext',
      'keyUsage=critical,digitalSignature',
      '-addext',
      'extendedKeyUsage=serverAuth',
      '-addext',
      `subjectAltName=${san}`,
    ]);
    writeFileSync(sanFile, san);
  }
  return f;
}
