import { ConfigError } from '../../errors.ts';
import type { Response } from '../../http/response.ts';
import { parseCommand } from '../args.ts';
import { PAGE_FLAGS, pageTool } from '../page.ts';

export const FETCH_HELP = `crawl fetch <url> [--body | --headers] [--json] [--spider SPIDER]

Download one page the way a worker does (the same downloader: user agent,
timeouts, robots.txt, decompression, charset decoding; redirects followed) and
print it, like \`scrapy fetch\`: the status line, the redirects, the response
headers, then the decoded text. Any status is shown (a 404 page too). Needs no
Redis.

  --body            only the decoded text (or the raw bytes of a non-text body)
  --headers         only the status line, redirects and headers
  --json            {url, status, headers, redirects, mediaType, encoding, text}
  --spider SPIDER   use this spider's customSettings and allowedDomains
  --set NAME=VALUE  override a setting (userAgent, downloadTimeout, robotstxtObey ...)`;

/** The status line, the redirects and the headers, as `crawl fetch --headers` prints them. */
export function headLines(r: Response): string[] {
  const lines = [`HTTP ${r.status} ${r.url}`];
  for (const from of r.redirects) lines.push(`  redirected from ${from}`);
  for (const [name, value] of Object.entries(r.headers)) lines.push(`${name}: ${value}`);
  return lines;
}

export async function fetchCommand(argv: string[]): Promise<number> {
  const { flags, positionals } = parseCommand(
    argv,
    { ...PAGE_FLAGS, body: { type: 'boolean' }, headers: { type: 'boolean' } },
    FETCH_HELP,
  );
  if (flags['help']) {
    console.log(FETCH_HELP);
    return 0;
  }
  if (positionals.length !== 1) {
    throw new ConfigError('CRAWL_E_USAGE', 'give exactly one URL', {
      hint: "crawl fetch 'http://127.0.0.1:8080/f?kw=聊天&ie=utf-8&pn=0'",
    });
  }
  const tool = await pageTool(flags);
  try {
    const r = await tool.get(positionals[0]!);
    if (flags['json']) {
      const text = r.isText ? r.text : undefined;
      const encoding = r.isText ? r.encoding : undefined;
      const { url, status, headers, redirects, mediaType } = r;
      console.log(JSON.stringify({ url, status, headers, redirects, mediaType, encoding, text }));
    } else if (flags['body']) {
      if (r.isText) process.stdout.write(r.text);
      else process.stdout.write(r.body);
    } else {
      console.log(headLines(r).join('\n'));
      if (!flags['headers']) {
        console.log('');
        if (r.isText) process.stdout.write(r.text.endsWith('\n') ? r.text : `${r.text}\n`);
        else
          console.log(
            `(${r.body.length} bytes of ${r.mediaType || 'unknown type'}, not text; --body writes them)`,
          );
      }
    }
    return 0;
  } finally {
    await tool.close();
  }
}
