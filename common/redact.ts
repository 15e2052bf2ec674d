/**
 * Secrets never reach output: every text a person or a log file sees goes
 * through here (the crawler's logger, the CLI's errors, the lab's progress and
 * failure messages).
 */

/** Hide the password part of redis://user:pass@host URLs and any listed secret. */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:@/\s]*:)([^@/\s]+)@/gi, '$1***@');
  for (const s of secrets) if (s) out = out.split(s).join('***');
  return out;
}
