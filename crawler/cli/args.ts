import { parseArgs } from 'node:util';
import { ConfigError } from '../errors.ts';

/** Flags shared by every command. */
export const COMMON_FLAGS = {
  redis: { type: 'string' },
  set: { type: 'string', multiple: true },
  config: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export type Flags = Record<string, string | boolean | string[] | undefined>;

export function parseCommand(
  argv: string[],
  extra: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>,
  command: string,
): { flags: Flags; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...COMMON_FLAGS, ...extra },
      allowPositionals: true,
      strict: true,
    });
    return { flags: values as Flags, positionals };
  } catch (cause) {
    throw new ConfigError('CRAWL_E_USAGE', `crawl ${command}: ${(cause as Error).message}`, {
      cause,
      hint: `run \`crawl ${command} --help\``,
    });
  }
}

export function str(flags: Flags, name: string): string | undefined {
  const v = flags[name];
  return typeof v === 'string' ? v : undefined;
}

export function list(flags: Flags, name: string): string[] {
  const v = flags[name];
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
}
