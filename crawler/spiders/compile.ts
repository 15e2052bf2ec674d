import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, extname, join } from 'node:path';
import { ConfigError } from '../errors.ts';
import { crawlLabShim, PUBLIC_SPECIFIERS } from './resolve-crawl-lab.ts';

/**
 * A spider file from any folder, compiled with esbuild into one ES module:
 * TypeScript stripped, its own relative imports and npm packages bundled in,
 * `crawl-lab` and `crawl-lab/admin` replaced by shims that take the running
 * crawler's modules from globalThis (resolve-crawl-lab.ts), so loading it needs
 * no module hook. Used when loading a spider that is not inside
 * this package, and by `npm run build -- --spider` for the lab's nodes (which
 * have no node_modules, so no esbuild: they run the compiled .mjs).
 */

interface EsbuildLike {
  build(options: Record<string, unknown>): Promise<unknown>;
}

interface PluginBuild {
  onResolve(o: { filter: RegExp }, f: (a: { path: string }) => { path: string; namespace: string }): void;
  onLoad(o: { filter: RegExp; namespace: string }, f: (a: { path: string }) => { contents: string }): void;
}

const SHIM_NAMESPACE = 'crawl-lab-public';

/** esbuild plugin: `crawl-lab` and `crawl-lab/admin` become shims of the running crawler's modules. */
const publicModulesPlugin = {
  name: 'crawl-lab-public-modules',
  setup(build: PluginBuild) {
    const filter = new RegExp(`^(${PUBLIC_SPECIFIERS.join('|')})$`);
    build.onResolve({ filter }, (a) => ({ path: a.path, namespace: SHIM_NAMESPACE }));
    build.onLoad({ filter: /.*/, namespace: SHIM_NAMESPACE }, (a) => ({
      contents: crawlLabShim(a.path as (typeof PUBLIC_SPECIFIERS)[number]),
    }));
  },
};

async function loadEsbuild(file: string): Promise<EsbuildLike> {
  // a computed name: the bundled CLI must import esbuild from node_modules at run time, not bundle it
  const name = ['es', 'build'].join('');
  try {
    return (await import(name)) as EsbuildLike;
  } catch (cause) {
    throw new ConfigError(
      'CRAWL_E_SPIDER_INVALID',
      `cannot compile spider ${file}: esbuild is not installed next to this crawler`,
      {
        cause,
        hint: 'compile it where the repository is installed: `npm run build -- --spider <file>` writes dist/spiders/<name>.mjs, which any crawl runs without esbuild',
      },
    );
  }
}

/** Compile `file` into `outFile` (an .mjs). Throws CRAWL_E_SPIDER_INVALID with esbuild's message on a syntax error. */
export async function compileSpider(file: string, outFile: string): Promise<string> {
  const esbuild = await loadEsbuild(file);
  try {
    await esbuild.build({
      entryPoints: [file],
      outfile: outFile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      plugins: [publicModulesPlugin],
      logLevel: 'silent',
      sourcemap: 'inline',
      // CommonJS packages bundled in may call require()
      banner: {
        js: "import { createRequire as __spiderRequire } from 'node:module'; const require = __spiderRequire(import.meta.url);",
      },
    });
  } catch (cause) {
    const errors = (cause as { errors?: Array<{ text: string; location?: { line: number; file: string } }> })
      .errors;
    const first = errors?.[0];
    const where = first?.location ? ` (${first.location.file}:${first.location.line})` : '';
    throw new ConfigError(
      'CRAWL_E_SPIDER_INVALID',
      `could not compile spider ${file}: ${first ? `${first.text}${where}` : (cause as Error).message}`,
      { cause, hint: 'fix the spider file; only `crawl-lab` and installed packages can be imported' },
    );
  }
  return outFile;
}

/** Compile into a per-content temporary file and return its path. */
export async function compileToTemp(file: string): Promise<string> {
  const hash = createHash('sha1').update(file).update(readFileSync(file)).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), 'crawl-lab-spiders');
  mkdirSync(dir, { recursive: true });
  const out = join(dir, `${basename(file, extname(file))}-${hash}-${process.pid}.mjs`);
  return compileSpider(file, out);
}
