import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { $ } from 'zx';
import { cacheDir } from '../../provision/lab-env.ts';
import { SCRAPY_REDIS_VERSION, SCRAPY_VERSION } from '../../provision/python-pins.ts';

/**
 * The peer of the benchmark: Scrapy + scrapy-redis from PyPI, pinned, in a
 * virtual environment of its own in the shared cache (made once, reused).
 * When it cannot be made (no python3 -m venv, PyPI unreachable) the bench
 * leaves the peer's column out and prints why.
 */
export { SCRAPY_REDIS_VERSION, SCRAPY_VERSION };

export const VENV = join(cacheDir(), 'bench-venv');

export type Peer = { ok: true; scrapy: string; versions: string } | { ok: false; why: string };

export async function ensureScrapyVenv(): Promise<Peer> {
  const scrapy = join(VENV, 'bin', 'scrapy');
  const pip = join(VENV, 'bin', 'pip');
  const want = [`scrapy==${SCRAPY_VERSION}`, `scrapy-redis==${SCRAPY_REDIS_VERSION}`];
  try {
    if (!existsSync(pip)) await $`python3 -m venv ${VENV}`.quiet();
  } catch (error) {
    return {
      ok: false,
      why: `python3 -m venv ${VENV} failed (${firstLine(error)}); on Debian/Ubuntu: apt-get install python3-venv`,
    };
  }
  const have = (await $`${pip} freeze`.quiet().nothrow()).stdout;
  if (!want.every((w) => have.toLowerCase().includes(w))) {
    const r = await $`${pip} install --quiet --disable-pip-version-check ${want}`.quiet().nothrow();
    if (r.exitCode !== 0)
      return {
        ok: false,
        why: `pip install ${want.join(' ')} failed, PyPI unreachable? (${firstLine(r.stderr)})`,
      };
  }
  const py = (await $`${join(VENV, 'bin', 'python')} --version`.quiet()).stdout.trim();
  return {
    ok: true,
    scrapy,
    versions: `Scrapy ${SCRAPY_VERSION}, scrapy-redis ${SCRAPY_REDIS_VERSION}, ${py}`,
  };
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.trim().split('\n').at(-1) ?? text;
}
