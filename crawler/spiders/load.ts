import { existsSync, readFileSync, rmSync } from 'node:fs';
import { extname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ConfigError, isCrawlError } from '../errors.ts';
import { compileToTemp } from './compile.ts';
import { namesCrawlLab, provideCrawlLabModules, resolveCrawlLabToThisCrawler } from './resolve-crawl-lab.ts';
import type { Spider } from './spider.ts';

/** True when this module runs from its TypeScript source (tsx), false inside dist/crawl.mjs. */
const FROM_SOURCE = import.meta.url.endsWith('.ts');
/** This package's folder when running from source (its spiders import crawler files directly). */
const PACKAGE_ROOT = FROM_SOURCE ? fileURLToPath(new URL('../../', import.meta.url)) : undefined;

/**
 * Spiders shipped with the kit, by name: `crawl run tieba`. Static imports, so a
 * bundled build of the CLI (the lab deploys one) carries them inside.
 */
export const BUNDLED_SPIDERS: Readonly<Record<string, () => Promise<Record<string, unknown>>>> = {
  tieba: () => import('./tieba/spider.ts'),
  'follow-all': () => import('./follow-all.ts'),
};

const NAME = /^[A-Za-z0-9_-]{1,64}$/;

function looksLikePath(ref: string): boolean {
  return ref.includes('/') || ref.includes('\\') || /\.(c|m)?(t|j)s$/.test(ref);
}

/** Load a spider by bundled name or by file path (a module whose default export is the spider). */
export async function loadSpider(ref: string, cwd = process.cwd()): Promise<Spider> {
  if (!looksLikePath(ref)) {
    const bundled = BUNDLED_SPIDERS[ref];
    if (!bundled) {
      throw new ConfigError('CRAWL_E_SPIDER_NOT_FOUND', `no bundled spider named "${ref}"`, {
        hint: `bundled spiders: ${Object.keys(BUNDLED_SPIDERS).join(', ')}; or give a file path such as ./my-spider.ts`,
      });
    }
    return validateSpider((await bundled())['default'], `bundled spider ${ref}`);
  }
  const file = isAbsolute(ref) ? ref : resolve(cwd, ref);
  if (!existsSync(file)) {
    throw new ConfigError('CRAWL_E_SPIDER_NOT_FOUND', `spider file not found: ${file}`, {
      hint: 'give a path to a .ts or .js module whose default export is the spider',
    });
  }
  // Inside this package (tests, fixtures) tsx imports the file as it is; elsewhere a
  // compiled .mjs is loaded, so neither a package.json nor a TypeScript loader is needed.
  const direct = extname(file) === '.mjs' || (PACKAGE_ROOT !== undefined && file.startsWith(PACKAGE_ROOT));
  const compiled = direct ? undefined : await compileToTemp(file);
  // a compiled spider takes the crawler's modules from globalThis; the module hook (its own
  // thread) only for one that still imports `crawl-lab` by name (resolve-crawl-lab.ts)
  if (namesCrawlLab(readFileSync(compiled ?? file, 'utf8'))) resolveCrawlLabToThisCrawler();
  else provideCrawlLabModules();
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(compiled ?? file).href)) as Record<string, unknown>;
  } catch (cause) {
    if (isCrawlError(cause)) throw cause;
    throw new ConfigError(
      'CRAWL_E_SPIDER_INVALID',
      `could not load spider module ${file}: ${(cause as Error).message}`,
      {
        cause,
        hint: 'fix the error in the spider file; its top-level code ran and threw',
      },
    );
  } finally {
    if (compiled) rmSync(compiled, { force: true });
  }
  return validateSpider(mod['default'], file);
}

/** Whether a path is a spider module file rather than a bundled spider's name. */
export function isSpiderPath(ref: string): boolean {
  return looksLikePath(ref);
}

export function validateSpider(value: unknown, from: string): Spider {
  const fail = (what: string, hint: string) =>
    new ConfigError('CRAWL_E_SPIDER_INVALID', `spider in ${from}: ${what}`, { hint });
  if (typeof value !== 'object' || value === null) {
    throw fail(
      'has no default export object',
      'end the module with `export default defineSpider({ name, parse })`',
    );
  }
  const s = value as Partial<Spider>;
  if (typeof s.name !== 'string' || !NAME.test(s.name)) {
    throw fail(
      `name ${JSON.stringify(s.name)} is not valid`,
      'name must be 1-64 letters, digits, "_" or "-"',
    );
  }
  if (typeof s.parse !== 'function')
    throw fail('has no parse(response) method', 'add parse(response) { ... }');
  if (
    s.allowedDomains !== undefined &&
    (!Array.isArray(s.allowedDomains) || !s.allowedDomains.every((d) => typeof d === 'string'))
  ) {
    throw fail('allowedDomains must be an array of host names', "e.g. allowedDomains: ['tieba.baidu.com']");
  }
  if (s.startUrls !== undefined && !Array.isArray(s.startUrls)) {
    throw fail('startUrls must be an array', "e.g. startUrls: ['https://example.com/']");
  }
  return s as Spider;
}
