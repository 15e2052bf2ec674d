import { ConfigError } from '../../crawler/errors.ts';

/**
 * lab.yaml is wrong: stop before any machine is touched. `key` is the dotted
 * path a learner searches for in the file (`nodes[1].ip`), `value` what was
 * read there, and `hint` the fix.
 */
export class LabConfigError extends ConfigError {
  readonly key: string;
  readonly source: string;

  constructor(
    key: string,
    message: string,
    details: { hint: string; value?: unknown; source: string; cause?: unknown },
  ) {
    const { source, ...rest } = details;
    super('CRAWL_E_LAB_CONFIG', `${source}: ${key}: ${message}`, { key, source, ...rest });
    this.key = key;
    this.source = source;
  }
}

/** A value as a learner would type it in YAML, with its type when that is the problem. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || value === undefined) return `${value} (empty)`;
  if (Array.isArray(value)) return `a list (${value.length} entries)`;
  if (typeof value === 'object') return 'a mapping';
  return `${String(value)} (${typeof value})`;
}

/** Closest candidate within a small edit distance, for "did you mean". */
export function suggest(name: string, candidates: readonly string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[-_]/g, '');
  let best: string | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const score = distance(norm(name), norm(candidate));
    if (score < bestScore) {
      bestScore = score;
      best = candidate;
    }
  }
  return bestScore <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
