import { ConfigError } from '../../errors.ts';
import { canonicalizeUrl } from '../../http/url.ts';
import { fingerprintHex } from '../../scheduler/fingerprint.ts';
import { parseCommand, str } from '../args.ts';

export const FINGERPRINT_HELP = `crawl fingerprint <url> [url ...] [--method GET]

What the shared filter stores for each URL: its canonical form (query sorted,
fragment dropped, percent-encoding made uniform) and the request fingerprint
(SHA-1 of method + canonical URL + body, as scrapy-redis <= 0.7). Two spellings
of one page give one fingerprint; the later one is marked "duplicate of #n".
Needs no Redis.

  --method NAME   the request method (default GET)`;

/** The lines `crawl fingerprint` prints for these URLs. */
export function fingerprintLines(urls: readonly string[], method = 'GET'): string[] {
  const seen = new Map<string, number>();
  const out: string[] = [];
  urls.forEach((url, i) => {
    const fp = fingerprintHex({ method, url });
    const first = seen.get(fp);
    out.push(`#${i + 1} ${url}`);
    out.push(`   canonical   ${canonicalizeUrl(url)}`);
    out.push(`   fingerprint ${fp}${first === undefined ? '  new' : `  duplicate of #${first}`}`);
    if (first === undefined) seen.set(fp, i + 1);
  });
  out.push(`${urls.length} URL(s), ${seen.size} distinct fingerprint(s)`);
  return out;
}

export async function fingerprintCommand(argv: string[]): Promise<number> {
  const { flags, positionals } = parseCommand(argv, { method: { type: 'string' } }, 'fingerprint');
  if (flags['help']) {
    console.log(FINGERPRINT_HELP);
    return 0;
  }
  if (positionals.length === 0) {
    throw new ConfigError('CRAWL_E_USAGE', 'give one or more URLs', {
      hint: "crawl fingerprint 'http://127.0.0.1:8080/f?kw=a&pn=0' 'http://127.0.0.1:8080/f?pn=0&kw=a'",
    });
  }
  console.log(fingerprintLines(positionals, (str(flags, 'method') ?? 'GET').toUpperCase()).join('\n'));
  return 0;
}
