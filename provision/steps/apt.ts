import type { Transport } from '../types.ts';

const APT_ENV = { DEBIAN_FRONTEND: 'noninteractive' };
/** Wait for the dpkg lock (unattended-upgrades on a fresh VM holds it) instead of failing. */
const LOCK_WAIT = ['-o', 'DPkg::Lock::Timeout=300'];

/** Packages from the list that are not installed yet. */
export async function missingPackages(transport: Transport, packages: readonly string[]): Promise<string[]> {
  const missing: string[] = [];
  for (const pkg of packages) {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: ${Status} is dpkg-query's format, not JS
    const r = await transport.run(['dpkg-query', '-W', '-f=${Status}', pkg], { nothrow: true });
    if (r.exitCode !== 0 || !r.stdout.includes('install ok installed')) missing.push(pkg);
  }
  return missing;
}

/** Install packages with apt, only those missing; refresh the package lists once if apt does not know them. */
export async function aptInstall(
  transport: Transport,
  packages: readonly string[],
): Promise<'ok' | 'changed'> {
  const missing = await missingPackages(transport, packages);
  if (missing.length === 0) return 'ok';
  const known = await transport.run(['apt-cache', 'policy', ...missing], { nothrow: true });
  if (known.exitCode !== 0 || /Candidate: \(none\)/.test(known.stdout) || known.stdout.trim() === '') {
    await transport.run(['apt-get', ...LOCK_WAIT, 'update', '-qq'], {
      env: APT_ENV,
      timeoutMs: 600_000,
      internet: true,
    });
  }
  await transport.run(
    ['apt-get', ...LOCK_WAIT, 'install', '-y', '-qq', '--no-install-recommends', ...missing],
    // the only commands that need the outside world: stand-in nodes have no route out, so the
    // netns transport runs these in the node's files but the host's network (docs/providers.md)
    { env: APT_ENV, timeoutMs: 900_000, internet: true },
  );
  return 'changed';
}
