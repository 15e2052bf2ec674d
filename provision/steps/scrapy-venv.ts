import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CrawlError } from '../../common/errors.ts';
import { REPO_ROOT } from '../lab-env.ts';
import { layoutOf, type NodeLayout } from '../layout.ts';
import { LAB_PYTHON_REQUIREMENTS } from '../python-pins.ts';
import { addWheel, ensureWheels, missingRequirement, type WheelTarget } from '../python-wheels.ts';
import type { Step, Transport } from '../types.ts';
import { aptInstall } from './apt.ts';

/**
 * crawl.engine scrapy-redis (or both): the article's own workers beside ours
 * (docs/scrapy-redis.md). Every node gets python3 (apt), a virtual environment
 * with the pinned Scrapy, scrapy-redis, redis and pymongo from PyPI (lab.yaml
 * mirrors.pypi, else pip's own index and configuration), and the spider
 * fixture lab/scrapy-redis/tieba_spider.py. Both check first: a venv that
 * already has the pins and a spider with the same bytes are left alone.
 */

/** The spider fixture in this checkout. */
export const SCRAPY_SPIDER_SOURCE = `${REPO_ROOT}lab/scrapy-redis/tieba_spider.py`;

/** Where a node keeps the article's workers: beside the crawler's folder, which lab:up re-syncs. */
export function scrapyPaths(layout: Pick<NodeLayout, 'appDir'>): {
  dir: string;
  venv: string;
  scrapy: string;
  spider: string;
} {
  const dir = `${layout.appDir}-scrapy`;
  return {
    dir,
    venv: `${dir}/venv`,
    scrapy: `${dir}/venv/bin/scrapy`,
    spider: `${dir}/tieba_spider.py`,
  };
}

export interface ScrapyVenvOptions {
  /** lab.yaml mirrors.pypi: a PyPI "simple" index URL; '' = pip's default (and this machine's pip config). */
  pypiMirror: string;
  /** No root (local, rootless netns): the nodes use this host's python3; no apt. */
  noRoot: boolean;
}

/** Pins pip freeze does not list yet (names compared case-blind, as pip normalises them). */
export function missingPins(freeze: string, pins: readonly string[] = LAB_PYTHON_REQUIREMENTS): string[] {
  const have = new Set(
    freeze
      .toLowerCase()
      .replaceAll('_', '-')
      .split('\n')
      .map((l) => l.trim()),
  );
  return pins.filter((p) => !have.has(p.toLowerCase()));
}

const lastLine = (text: string) => text.trim().split('\n').at(-1) ?? '';

/** This host's cached wheels for the node's Python and architecture (python-wheels.ts), or why not. */
/** Rounds of "pip names a missing dependency, this host downloads it" before giving up. */
const WHEEL_ROUNDS = 5;

/**
 * Copy the wheels and install from them alone; a dependency only the node's
 * Python needs is fetched on this host and the install tried again. undefined
 * when installed, else pip's last line.
 */
async function installOffline(
  t: Transport,
  pip: readonly string[],
  dir: string,
  wheels: { dir: string; target: WheelTarget },
): Promise<string | undefined> {
  let why = '';
  for (let round = 0; round < WHEEL_ROUNDS; round++) {
    await t.copy(wheels.dir, `${dir}/wheels`);
    const r = await t.run(
      [...pip, '--no-index', '--find-links', `${dir}/wheels`, ...LAB_PYTHON_REQUIREMENTS],
      {
        timeoutMs: 900_000,
        nothrow: true,
      },
    );
    if (r.exitCode === 0) return undefined;
    why = lastLine(r.stderr);
    const missing = missingRequirement(r.stderr);
    if (!missing) return why;
    try {
      await addWheel(wheels.target, missing);
    } catch {
      return why;
    }
  }
  return why;
}

async function hostWheels(
  t: Transport,
  mirror: string,
): Promise<{ ok: true; dir: string; target: WheelTarget } | { ok: false; why: string }> {
  const v = await t.run(['python3', '-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'], {
    nothrow: true,
  });
  const arch = await t.run(['uname', '-m'], { nothrow: true });
  if (v.exitCode !== 0 || arch.exitCode !== 0)
    return { ok: false, why: 'the node did not say its Python and architecture' };
  const target = { python: v.stdout.trim(), arch: arch.stdout.trim(), mirror };
  try {
    return { ok: true, dir: await ensureWheels(target), target };
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    return { ok: false, why: `pip download on this host failed: ${lastLine(text)}` };
  }
}

async function pythonVersion(t: Transport): Promise<string | undefined> {
  const r = await t.run(['python3', '--version'], { nothrow: true });
  return r.exitCode === 0 ? r.stdout.trim() : undefined;
}

export function scrapyVenv(o: ScrapyVenvOptions): Step {
  return {
    id: 'scrapy-redis-venv',
    appliesTo: () => true,
    async run({ transport, node, log }) {
      const p = scrapyPaths(layoutOf(transport));
      const freeze = await transport.run([`${p.venv}/bin/pip`, 'freeze'], { nothrow: true });
      if (freeze.exitCode === 0 && missingPins(freeze.stdout).length === 0) return { status: 'ok' };
      // Debian splits venv (ensurepip) from python3
      if (!o.noRoot) await aptInstall(transport, ['python3', 'python3-venv']);
      const py = await pythonVersion(transport);
      if (!py)
        throw new CrawlError('CRAWL_E_PROVISION', `${node.name} has no python3`, {
          hint: 'install python3 with its venv module (Debian/Ubuntu: apt-get install python3 python3-venv)',
        });
      await transport.run(['mkdir', '-p', p.dir]);
      await transport.run(['python3', '-m', 'venv', p.venv], { timeoutMs: 300_000 });
      log(`pip install ${LAB_PYTHON_REQUIREMENTS.join(' ')} (${py})`);
      const pip = [`${p.venv}/bin/pip`, 'install', '--quiet', '--disable-pip-version-check'];
      // first choice: wheels this host downloaded once (its own pip setup reaches PyPI), installed offline
      const wheels = await hostWheels(transport, o.pypiMirror);
      if (wheels.ok) {
        const why = await installOffline(transport, pip, p.dir, wheels);
        if (why === undefined) return { status: 'changed' };
        log(`offline install from this host's wheels failed (${why}); trying PyPI from ${node.name}`);
      } else log(`no wheels from this host (${wheels.why}); ${node.name} asks PyPI itself`);
      const index = o.pypiMirror ? ['--index-url', o.pypiMirror] : [];
      const r = await transport.run(
        [...pip, ...index, ...LAB_PYTHON_REQUIREMENTS],
        // stand-ins run it with the host's network, like apt
        { timeoutMs: 900_000, internet: true, nothrow: true },
      );
      if (r.exitCode !== 0)
        throw new CrawlError(
          'CRAWL_E_PROVISION',
          `pip could not install the article's workers on ${node.name} (exit ${r.exitCode}): ${lastLine(r.stderr)}`,
          {
            hint: `is PyPI reachable from this host? Set lab.yaml mirrors.pypi to a PyPI mirror (a "simple" index URL such as https://pypi.tuna.tsinghua.edu.cn/simple), then npm run lab:up`,
          },
        );
      return { status: 'changed' };
    },
  };
}

const sha256 = (text: string | Buffer) => createHash('sha256').update(text).digest('hex');

/** The spider fixture on every node (copied only when its bytes differ). */
export function scrapySpider(source: string = SCRAPY_SPIDER_SOURCE): Step {
  return {
    id: 'scrapy-redis-spider',
    appliesTo: () => true,
    async run({ transport }) {
      const p = scrapyPaths(layoutOf(transport));
      const want = sha256(readFileSync(source));
      const have = await transport.run(['sha256sum', p.spider], { nothrow: true });
      if (have.exitCode === 0 && have.stdout.split(/\s+/)[0] === want) return { status: 'ok' };
      await transport.run(['mkdir', '-p', p.dir]);
      await transport.copy(source, p.spider);
      return { status: 'changed' };
    },
  };
}
