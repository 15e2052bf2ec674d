/**
 * Expected output: each line of a ```text expect block must match one line of
 * the real output, in order (other lines may come between). Spaces are
 * collapsed on both sides, so column padding does not matter. Placeholders
 * stand for what changes from run to run:
 *
 *   {n}    a whole number (42, -3)
 *   {x}    a number, maybe with decimals (1.5)
 *   {ip}   an IPv4 address
 *   {any}  any text, possibly empty
 */

const PLACEHOLDERS: Record<string, string> = {
  '{n}': '-?\\d+',
  '{x}': '-?\\d+(?:\\.\\d+)?',
  '{ip}': '\\d{1,3}(?:\\.\\d{1,3}){3}',
  '{any}': '.*',
};

const normalise = (line: string) => line.replace(/\s+/g, ' ').trim();

/** One expected line as a regular expression matching a whole (normalised) output line. */
export function compileExpectation(line: string): RegExp {
  const parts = normalise(line).split(/(\{n\}|\{x\}|\{ip\}|\{any\})/);
  const source = parts.map((p) => PLACEHOLDERS[p] ?? p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('');
  return new RegExp(`^${source}$`, 'u');
}

export type ExpectResult =
  | { ok: true }
  | {
      ok: false;
      /** The expected line that was not found. */
      missing: string;
      /** How many expected lines were found before it. */
      matched: number;
      /** The output line the previous expectation matched, if any. */
      after: string | undefined;
    };

/** Strip terminal colour codes: a learner's terminal may add them, the docs never show them. */
export function plain(output: string): string {
  return output.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').replace(/\r(?!\n)/g, '\n');
}

export function checkOutput(output: string, expected: readonly string[]): ExpectResult {
  const lines = plain(output).split(/\r?\n/).map(normalise);
  let at = 0;
  let after: string | undefined;
  for (const [i, want] of expected.entries()) {
    const re = compileExpectation(want);
    let found = -1;
    for (let j = at; j < lines.length; j++) {
      if (re.test(lines[j]!)) {
        found = j;
        break;
      }
    }
    if (found < 0) return { ok: false, missing: want, matched: i, after };
    after = lines[found];
    at = found + 1;
  }
  return { ok: true };
}
