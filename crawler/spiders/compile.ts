import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, extname, join } from 'node:path';
import { ConfigError } from '../errors.ts';

/**
 * A spider file from any folder, compiled with esbuild into one ES module:
 * TypeScript stripped, its own relative imports and npm packages bundled in,
 * `crawl-lab` and `crawl-lab/admin` left as imports for the running crawler to
 * answer (resolve-crawl-lab.ts). Used when loading a spider that is not inside
 * this package, and by `npm run build -- --spider` for the lab's nodes (which
 * have no node_modules, so no esbuild: they run the compiled .mjs).
 */

/** The crawler's public entries: left as imports, answered by the crawler that runs the spider. */
const PUBLIC_SPECIFIERS = ['crawl-lab', 'crawl-lab/admin'];

interface EsbuildLike {
  build(options: Record<string, unknown>): Promise<unknown>;
}

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
      external: [...PUBLIC_SPECIFIERS],
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
