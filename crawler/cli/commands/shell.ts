import { start as startRepl } from 'node:repl';
import { inspect } from 'node:util';
import { createContext, runInContext } from 'node:vm';
import { ConfigError } from '../../errors.ts';
import { isRequestDraft } from '../../http/request.ts';
import type { Response } from '../../http/response.ts';
import { list, parseCommand } from '../args.ts';
import { PAGE_FLAGS, type PageTool, pageTool } from '../page.ts';

export const SHELL_HELP = `crawl shell <url> [--eval EXPR ...] [--spider SPIDER]

Download one page as a worker would (the same downloader as crawl fetch) and
try selectors on it, like \`scrapy shell\`: a REPL (node:repl, top-level await
works) with these names bound:

  response        the Response a callback gets: status, headers, url, text, isHtml ...
  $               response.$, cheerio on the page:  $('h3.core_title_txt').text()
  followAll(...)  response.followAll: the requests a spider would yield, e.g.
                  followAll('a', { allow: [/\\/p\\/\\d+$/] })
  fetch(url)      download another page (await fetch('/p/1')); response, $ and
                  followAll then use it

Selections print as their elements' HTML and requests as their URLs. Ctrl-D or
.exit leaves. Without a terminal (input from a pipe or file), each input line is
one expression, evaluated and printed in turn, as with -c.

  -c, --eval EXPR   evaluate EXPR on the page, print the result, exit (repeatable;
                    no REPL): crawl shell URL -c "$('title').text()"
  --spider SPIDER   use this spider's customSettings and allowedDomains
  --set NAME=VALUE  override a setting (userAgent, downloadTimeout, robotstxtObey ...)`;

function isSelection(v: unknown): v is { toArray(): unknown[]; length: number } {
  return typeof v === 'object' && v !== null && (v as { cheerio?: unknown }).cheerio === '[cheerio object]';
}

const cut = (s: string, n = 300) => (s.length > n ? `${s.slice(0, n)}…` : s);

/** How the shell prints a value: text as is, selections as HTML, requests as URLs. */
export function show(value: unknown, html: (el: unknown) => string): string {
  if (typeof value === 'string') return value;
  if (isSelection(value)) {
    const els = value.toArray();
    return [`${els.length} element(s)`, ...els.map((el, i) => `[${i}] ${cut(html(el))}`)].join('\n');
  }
  if (Array.isArray(value) && value.length > 0 && value.every(isRequestDraft)) {
    return [
      `${value.length} request(s)`,
      ...value.map((r) => `  ${r.url}${typeof r.callback === 'string' ? `  -> ${r.callback}` : ''}`),
    ].join('\n');
  }
  return inspect(value, { depth: 4, colors: false, maxArrayLength: 50, maxStringLength: 2000 });
}

/** The names the shell binds, reading the current page each time (fetch() replaces it). */
function bindPage(target: object, page: { current: Response }, tool: PageTool): void {
  Object.defineProperties(target, {
    response: { get: () => page.current, configurable: true, enumerable: true },
    $: { get: () => page.current.$, configurable: true, enumerable: true },
    followAll: {
      value: (...args: Parameters<Response['followAll']>) => page.current.followAll(...args),
      configurable: true,
      enumerable: true,
    },
    fetch: {
      value: async (url: string) => {
        page.current = await tool.get(new URL(url, page.current.url).href);
        return `HTTP ${page.current.status} ${page.current.url}`;
      },
      configurable: true,
      enumerable: true,
    },
  });
}

export async function shellCommand(argv: string[]): Promise<number> {
  const { flags, positionals } = parseCommand(
    argv,
    { ...PAGE_FLAGS, eval: { type: 'string', short: 'c', multiple: true } },
    SHELL_HELP,
  );
  if (flags['help']) {
    console.log(SHELL_HELP);
    return 0;
  }
  if (positionals.length !== 1) {
    throw new ConfigError('CRAWL_E_USAGE', 'give exactly one URL', {
      hint: `crawl shell 'http://127.0.0.1:8080/f?kw=聊天&ie=utf-8&pn=0' -c "$('title').text()"`,
    });
  }
  const tool = await pageTool(flags);
  try {
    const page = { current: await tool.get(positionals[0]!) };
    // characters as they are (not &#x...; escapes), as a browser's inspector shows them
    const html = (el: unknown) =>
      page.current.isHtml
        ? page.current.$.html(el as never, { encodeEntities: 'utf8' } as never)
        : String(el);
    let exprs = list(flags, 'eval');
    // piped input: one expression a line, each finished (awaited) before the next, no prompt
    if (exprs.length === 0 && !process.stdin.isTTY)
      exprs = (await readStdin()).split('\n').filter((l) => l.trim());
    if (exprs.length > 0) {
      const context = createContext({ console, URL });
      bindPage(context, page, tool);
      for (const expr of exprs) {
        // `await fetch(url)` outside an async function: run it as the value of one
        const code = /\bawait\b/.test(expr) ? `(async () => (${expr}))()` : expr;
        const value: unknown = await runInContext(code, context, { filename: 'crawl-shell-eval' });
        console.log(show(value, html));
      }
      return 0;
    }
    const r = page.current;
    console.log(`HTTP ${r.status} ${r.url} (${r.mediaType || 'unknown type'}, ${r.body.length} bytes)
Bound: response, $, followAll(selector, {allow, deny}), fetch(url). Ctrl-D leaves.`);
    const repl = startRepl({ prompt: 'crawl> ', writer: (v: unknown) => show(v, html), useGlobal: false });
    bindPage(repl.context, page, tool);
    await new Promise<void>((done) => repl.once('exit', () => done()));
    return 0;
  } finally {
    await tool.close();
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
