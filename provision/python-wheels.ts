import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { $ } from 'zx';
import { cacheDir } from './lab-env.ts';
import { LAB_PYTHON_REQUIREMENTS } from './python-pins.ts';

/**
 * The lab workers' Python packages as wheels, downloaded once on this host
 * into the shared cache (like the bench's venv, bench/lib/scrapy-venv.ts) and
 * copied to every node, which then installs offline (`pip install --no-index`).
 * This host's pip does the download with its own configuration (index, proxy,
 * certificates: whatever makes PyPI or its mirror reachable here), or lab.yaml
 * mirrors.pypi. Binary wheels only, for the node's Python and architecture;
 * built in `<dir>.partial` and renamed when complete.
 */

export interface WheelTarget {
  /** The node's Python, in full ("3.11.2"): markers such as python_full_version < "3.11.3" pick dependencies. */
  python: string;
  /** The node's `uname -m`, "x86_64" or "aarch64". */
  arch: string;
  /** lab.yaml mirrors.pypi ('' = this host's pip default). */
  mirror: string;
}

export function wheelDir(t: WheelTarget, root: string = cacheDir()): string {
  const pins = createHash('sha256').update(LAB_PYTHON_REQUIREMENTS.join('\n')).digest('hex').slice(0, 12);
  return join(root, 'pypi-wheels', `py${t.python}-${t.arch}-${pins}`);
}

/** The command that fills `dir` (argv, for messages and tests); `requirements` @default the lab's pins. */
export function wheelDownloadArgv(
  t: WheelTarget,
  dir: string,
  requirements: readonly string[] = LAB_PYTHON_REQUIREMENTS,
): string[] {
  return [
    'python3',
    '-m',
    'pip',
    'download',
    '--quiet',
    '--disable-pip-version-check',
    '--only-binary=:all:',
    '--python-version',
    t.python,
    // manylinux 2.28 wheels run on Debian 12 and Ubuntu 22.04+; 2014 (2.17) for older packages
    '--platform',
    `manylinux_2_28_${t.arch}`,
    '--platform',
    `manylinux2014_${t.arch}`,
    ...(t.mirror ? ['--index-url', t.mirror] : []),
    '--dest',
    dir,
    ...requirements,
  ];
}

/** The cached wheel folder for `t`, downloaded now if missing; throws with pip's last line when it cannot. */
export async function ensureWheels(t: WheelTarget, root: string = cacheDir()): Promise<string> {
  const dir = wheelDir(t, root);
  if (existsSync(dir)) return dir;
  const partial = `${dir}.partial`;
  await rm(partial, { recursive: true, force: true });
  const [cmd, ...args] = wheelDownloadArgv(t, partial);
  await $`${cmd} ${args}`.quiet();
  await rename(partial, dir);
  return dir;
}

/**
 * pip evaluates environment markers against the Python that runs it, not the
 * target's: a dependency only the node's Python needs (async-timeout under
 * python_full_version < "3.11.3") is not downloaded. The node's offline
 * install names it ("No matching distribution found for <req>; <marker>"):
 * this reads that requirement (pip's words are its only report: matched here alone).
 */
export function missingRequirement(pipStderr: string): string | undefined {
  const m = /No matching distribution found for ([^;\s]+)/.exec(pipStderr);
  return m?.[1];
}

/** Add one requirement (and what it needs) to the cached wheels for `t`. */
export async function addWheel(
  t: WheelTarget,
  requirement: string,
  root: string = cacheDir(),
): Promise<void> {
  const [cmd, ...args] = wheelDownloadArgv(t, wheelDir(t, root), [requirement]);
  await $`${cmd} ${args}`.quiet();
}
