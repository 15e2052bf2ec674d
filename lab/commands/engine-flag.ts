import type { OpenLabOptions } from '../../provision/lab.ts';

/**
 * `--engine crawl-lab|scrapy-redis|both` on lab:up, lab:crawl and lab:chaos:
 * lab.yaml's crawl.engine for this command only (validated like the file's
 * key), so lesson 11 runs the article's workers without editing lab.yaml.
 */
export const ENGINE_OPTION = { engine: { type: 'string' } } as const;

export const ENGINE_USAGE =
  '  --engine <e>     crawl.engine for this command: crawl-lab, scrapy-redis or both (docs/scrapy-redis.md)';

/** The openLab options the flag asks for (none without it). */
export function engineOpen(value: unknown): Pick<OpenLabOptions, 'overrides'> {
  return typeof value === 'string' ? { overrides: { crawl: { engine: value } } } : {};
}
