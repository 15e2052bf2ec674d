import { ConfigError } from '../../common/errors.ts';

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

export { suggest } from '../../common/suggest.ts';
