import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { ConfigError } from '../../errors.ts';
import { parseCommand, str } from '../args.ts';

export const NEW_HELP = `crawl new <name> <url> [--dir DIR]

Write a spider skeleton to DIR/<name>.ts (default: the current folder), like
\`scrapy genspider\`. It runs as written: it yields { url, title } for every HTML
page of the site and follows its links, stopping after 100 pages
(customSettings.closespiderPagecount; remove it to crawl the whole site):

  crawl run ./<name>.ts --redis memory --output <name>.jsonl

Try selectors on the page before you edit parse(): crawl shell <url>.
An existing file is never overwritten.

  <name>       the spider's name: 1-64 letters, digits, _ or - (it also names
               the crawl's Redis keys, <name>:requests ...)
  <url>        the start URL, http:// or https:// (a bare host such as
               example.com means https://example.com/); allowedDomains is its host
  --dir DIR    the folder to write to (created if missing)`;

const NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** An argument as a user would type it into a POSIX shell (for the commands printed, never run). */
export function shellWord(arg: string): string {
  return /^[A-Za-z0-9_./:,@%+=-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}

/** The start URL: absolute http(s), or a bare host (scrapy genspider takes a domain) made https. */
export function startUrlOf(raw: string): URL {
  const bare = /^[A-Za-z0-9.-]+(:\d+)?(\/\S*)?$/.test(raw) && raw.includes('.') && !raw.includes('://');
  let url: URL | undefined;
  try {
    url = new URL(bare ? `https://${raw}` : raw);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) {
    throw new ConfigError('CRAWL_E_USAGE', `<url> got ${JSON.stringify(raw)}: not an http(s) URL`, {
      value: raw,
      hint: 'give the start page as an absolute URL, e.g. crawl new shop https://shop.example.com/ (or a bare host: shop.example.com)',
    });
  }
  return url;
}

/** The skeleton's source text: the public API as the README shows it. */
export function spiderSkeleton(name: string, url: URL): string {
  const q = (s: string) => `'${s.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
  return `import { defineSpider } from 'crawl-lab';

// Written by \`crawl new ${name} ${shellWord(url.href)}\`. Run it:
//   crawl run ./${name}.ts --redis memory --output ${name}.jsonl
// Try selectors first: crawl shell ${shellWord(url.href)}   (then $('title').text(), followAll('a') ...)
export default defineSpider({
  name: ${q(name)},
  startUrls: [${q(url.href)}],
  allowedDomains: [${q(url.hostname)}],
  // stop after 100 pages while you write the spider; remove to crawl the whole site
  customSettings: { closespiderPagecount: 100 },
  *parse(response) {
    if (!response.isHtml) return; // PDFs, images, JSON: response.$ works on HTML and XML only
    yield { url: response.url, title: response.$('title').text().trim() };
    // follow every link on the page; allow/deny keep or drop URLs by pattern
    yield* response.followAll('a', { deny: [/\\.(png|jpe?g|gif|pdf|zip)$/i] });
  },
});
`;
}

export async function newCommand(argv: string[]): Promise<number> {
  const { flags, positionals } = parseCommand(argv, { dir: { type: 'string' } }, NEW_HELP);
  if (flags['help']) {
    console.log(NEW_HELP);
    return 0;
  }
  const [name, rawUrl, ...extra] = positionals;
  if (name === undefined || rawUrl === undefined || extra.length > 0) {
    throw new ConfigError(
      'CRAWL_E_USAGE',
      `give a name and a start URL${extra.length ? ', nothing more' : ''}`,
      {
        hint: 'crawl new <name> <url>, e.g. crawl new titles http://127.0.0.1:8080/f?kw=聊天&ie=utf-8&pn=0',
      },
    );
  }
  if (!NAME.test(name)) {
    throw new ConfigError('CRAWL_E_USAGE', `<name> got ${JSON.stringify(name)}: not a valid spider name`, {
      value: name,
      hint: `use 1-64 letters, digits, "_" or "-", e.g. ${name.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 64) || 'my-spider'}`,
    });
  }
  const url = startUrlOf(rawUrl);
  const dir = resolve(str(flags, 'dir') ?? '.');
  const file = join(dir, `${name}.ts`);
  if (existsSync(file)) {
    throw new ConfigError(
      'CRAWL_E_FILE_EXISTS',
      `${file} already exists; crawl new never overwrites a file`,
      {
        value: file,
        hint: `pick another name, another --dir, or remove ${file} first`,
      },
    );
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, spiderSkeleton(name, url), { flag: 'wx' });
  const shown = relative(process.cwd(), file) || file;
  const path = shown.startsWith('.') || shown.startsWith('/') ? shown : `./${shown}`;
  console.log(`wrote spider "${name}" to ${path}
  try selectors:  crawl shell ${shellWord(url.href)}
  run it:         crawl run ${path} --redis memory --output ${name}.jsonl`);
  return 0;
}
