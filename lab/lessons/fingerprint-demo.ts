import { canonicalizeUrl, fingerprintHex } from 'crawl-lab';

/**
 * Lesson 3: what the shared filter stores for a URL. Two spellings of one
 * page (query order, a fragment) give one canonical URL and so one fingerprint.
 */
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
