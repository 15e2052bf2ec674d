import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { isCrawlError } from '../../errors.ts';
import { BUNDLED_SPIDERS, loadSpider } from '../../spiders/load.ts';
import { parseCommand } from '../args.ts';

export const LIST_HELP = `crawl list [PATH ...] [--json]

List the spiders \`crawl run\` can start, like \`scrapy list\`: the bundled ones
(by name), then the spider files in each PATH (a file, or a folder's .ts, .js
and .mjs files, not its subfolders; default: the current folder). A file
counts when it mentions defineSpider or export default; it is loaded as
\`crawl run\` would load it, and a file that fails to load is listed with why.

  --json   one JSON object per spider: {name, source, startUrls, error?}`;

export interface ListedSpider {
  name: string;
  /** 'bundled', or the file's path as given or found. */
  source: string;
  startUrls: number;
  error?: string;
}

const SPIDER_FILE = /\.(ts|mts|js|mjs)$/;
const LOOKS_LIKE_SPIDER = /defineSpider\s*\(|export\s+default\b/;

/** The candidate spider files under these paths: files as given, folders' own spider-like files. */
export function spiderFiles(paths: readonly string[], cwd = process.cwd()): string[] {
  const out: string[] = [];
  for (const p of paths) {
    const full = resolve(cwd, p);
    let isDir: boolean;
    try {
      isDir = statSync(full).isDirectory();
    } catch {
      out.push(full); // loading it says "not found"
      continue;
    }
    if (!isDir) {
      out.push(full);
      continue;
    }
    for (const name of readdirSync(full).sort()) {
      if (!SPIDER_FILE.test(name) || name.endsWith('.d.ts') || /\.test\.[mc]?[jt]s$/.test(name)) continue;
      const file = join(full, name);
      if (statSync(file).isFile() && LOOKS_LIKE_SPIDER.test(readFileSync(file, 'utf8'))) out.push(file);
    }
  }
  return out;
}

export async function listSpiders(paths: readonly string[], cwd = process.cwd()): Promise<ListedSpider[]> {
  const out: ListedSpider[] = [];
  for (const name of Object.keys(BUNDLED_SPIDERS)) {
    const s = await loadSpider(name);
    out.push({ name: s.name, source: 'bundled', startUrls: s.startUrls?.length ?? 0 });
  }
  for (const file of spiderFiles(paths.length > 0 ? paths : ['.'], cwd)) {
    const rel = relative(cwd, file);
    const source = rel.startsWith('..') ? file : `./${rel}`;
    try {
      const s = await loadSpider(file, cwd);
      out.push({ name: s.name, source, startUrls: s.startUrls?.length ?? 0 });
    } catch (error) {
      const why = isCrawlError(error)
        ? error.message
        : error instanceof Error
          ? error.message
          : String(error);
      out.push({ name: '?', source, startUrls: 0, error: why.split('\n')[0]! });
    }
  }
  return out;
}

export async function listCommand(argv: string[]): Promise<number> {
  const { flags, positionals } = parseCommand(argv, {}, LIST_HELP);
  if (flags['help']) {
    console.log(LIST_HELP);
    return 0;
  }
  const spiders = await listSpiders(positionals);
  if (flags['json']) {
    for (const s of spiders) console.log(JSON.stringify(s));
    return spiders.some((s) => s.error) ? 1 : 0;
  }
  const width = Math.max(4, ...spiders.map((s) => s.name.length));
  for (const s of spiders) {
    const what = s.error ? `not loadable: ${s.error}` : `${s.startUrls} start URL(s)`;
    console.log(`${s.name.padEnd(width)}  ${s.source}  (${what})`);
  }
  return spiders.some((s) => s.error) ? 1 : 0;
}
