import { createHash } from 'node:crypto';
import { type LabTlsPem, NODE_REDIS_CA, REDIS_TLS_NODE_FILES } from '../redis-tls.ts';
import type { Step, Transport } from '../types.ts';

/**
 * lab.yaml redis.tls: the certificate files on the nodes. The master's Redis
 * gets its certificate, key and the CA in /etc/redis/tls (folder 0700 and key
 * 0600, both the redis user's: the folder exists with those rights before the
 * key is written into it); every node gets the CA's certificate (public) for
 * its workers and redis-cli. Each file is written only when its content differs.
 */

/**
 * The PEM texts, made on first use (lab:up); `lab:up --dry-run` passes
 * placeholders instead (provision/plan/plan-lab.ts): a plan makes no CA and
 * shows no key.
 */
export type LabTlsSource = () => Promise<LabTlsPem>;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

interface NodeFile {
  path: string;
  content: string;
  mode: string;
  owner: string;
}

/** Writes the files whose content differs (dd from stdin: no content on a command line); true when any was written. */
async function putFiles(transport: Transport, files: readonly NodeFile[]): Promise<boolean> {
  const paths = files.map((f) => f.path);
  const r = await transport.run(['sha256sum', '--', ...paths], { nothrow: true });
  const have = new Map(
    r.stdout
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter((w): w is [string, string] => w.length === 2)
      .map(([hash, path]) => [path, hash]),
  );
  let changed = false;
  for (const f of files) {
    if (have.get(f.path) !== sha256(f.content)) {
      await transport.run(['dd', `of=${f.path}`, 'status=none'], { input: f.content });
      changed = true;
    }
    await transport.run(['chown', f.owner, f.path]);
    await transport.run(['chmod', f.mode, f.path]);
  }
  return changed;
}

/** The master: certificate, key and CA where redis.conf's tls-* lines point. True when any changed (Redis must restart). */
export async function installRedisTls(transport: Transport, source: LabTlsSource): Promise<boolean> {
  const f = await source();
  const dir = REDIS_TLS_NODE_FILES.certFile.replace(/\/[^/]+$/, '');
  await transport.run(['install', '-d', '-m', '0700', '-o', 'redis', '-g', 'redis', dir]);
  await transport.run(['chmod', '0700', dir]);
  const owner = 'redis:redis';
  return putFiles(transport, [
    { path: REDIS_TLS_NODE_FILES.keyFile, content: f.serverKey, mode: '0600', owner },
    { path: REDIS_TLS_NODE_FILES.certFile, content: f.serverCert, mode: '0644', owner },
    { path: REDIS_TLS_NODE_FILES.caFile, content: f.caCert, mode: '0644', owner },
  ]);
}

/** Every node: the lab CA's certificate at NODE_REDIS_CA, which the workers (CRAWL_REDIS_CA) and redis-cli verify Redis with. */
export function redisTlsCa(source: LabTlsSource): Step {
  return {
    id: 'redis-tls-ca',
    appliesTo: () => true,
    async run({ transport }) {
      const f = await source();
      const dir = NODE_REDIS_CA.replace(/\/[^/]+$/, '');
      await transport.run(['install', '-d', '-m', '0755', dir]);
      const changed = await putFiles(transport, [
        { path: NODE_REDIS_CA, content: f.caCert, mode: '0644', owner: 'root:root' },
      ]);
      return { status: changed ? 'changed' : 'ok' };
    },
  };
}
