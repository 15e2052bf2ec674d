import { isCrawlError } from 'crawl-lab';
import { buildFerretdb } from '../../provision/host-setup/ferretdb.ts';
import { canInstallPackages, ensureHostPackages } from '../../provision/host-setup/packages.ts';
import type { Lab } from '../../provision/lab.ts';
import { findMongoServerBinary } from '../../provision/steps/mongodb-binary.ts';

/**
 * lab:up (and lab:doctor --fix) on a fresh machine: the items' MongoDB on
 * stand-ins (and on VMs with mongodb.server: binary) is this host's
 * MongoDB-protocol server binary. When there is none, build it (FerretDB with
 * Go, once, cached like the Debian root filesystem), installing git and
 * fetching Go first where we may (root + apt, installing not forbidden). When
 * it cannot be built, say so in one line: the crawl's items then go to
 * JSON-lines files, and its summary says why.
 */
export async function ensureMongoServer(lab: Lab): Promise<void> {
  const { mongodb } = lab.config;
  const needsBinary =
    mongodb.enabled && (lab.machine === 'standin' || (lab.machine === 'vm' && mongodb.server === 'binary'));
  if (!needsBinary || findMongoServerBinary()) return;
  const cannot = (why: string) =>
    console.log(`MongoDB: ${why}; items will go to JSON-lines files on the nodes (docs/mongodb.md)`);
  if (!lab.config.host.installPackages)
    return cannot('no MongoDB-protocol server here, and host.install_packages is false in lab.yaml');
  if (!canInstallPackages())
    return cannot(
      'no MongoDB-protocol server here; building one needs root and apt (sudo npm run lab:doctor -- --fix), or see docs/mongodb.md',
    );
  try {
    await ensureHostPackages([{ tool: 'git', pkg: 'git', why: 'patching the MongoDB-protocol server' }], {
      log: (l) => console.log(`  ${l}`),
    });
    await buildFerretdb((l) => console.log(`MongoDB: ${l}`), process.env, { fetchGo: true });
  } catch (error) {
    cannot(isCrawlError(error) ? error.message : String(error));
  }
}
