/**
 * Nothing hostile reaches the operator's terminal: text from crawled pages, a
 * server's error, or anyone who can write to Redis (worker ids, stat names,
 * URLs) may hold escape sequences that retitle the window, clear the screen or
 * rewrite lines already printed. Every text output (the crawler's logger,
 * `crawl inspect`, `crawl stats`, lab:crawl's progress and summary, lab:logs,
 * the CLIs' error lines) goes through `safeText` once, just before it is
 * written.
 *
 * C0 controls (U+0000–U+001F) except newline and tab, DEL (U+007F) and C1
 * controls (U+0080–U+009F) become visible `\u001b`-style escapes, and so do
 * the Unicode bidirectional overrides and isolates (U+202A–U+202E,
 * U+2066–U+2069: "Trojan Source", text that displays in another order than
 * it reads, e.g. a URL that shows one host and names another). The form is
 * also a JSON string escape, so a JSON line stays valid JSON and still decodes
 * to the original text. Newlines are kept (logs are multi-line); a tab only
 * moves the cursor right.
 */

const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

const visible = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** The text with every terminal control character but newline and tab shown as `\uXXXX`. */
export function safeText(text: string): string {
  return text.replace(CONTROL, visible);
}

/** One line to stdout, made safe (what a command prints as its result). */
export function printLine(line: string): void {
  process.stdout.write(`${safeText(line)}\n`);
}

/** One line to stderr, made safe (progress beside --json, errors). */
export function printError(line: string): void {
  process.stderr.write(`${safeText(line)}\n`);
}
