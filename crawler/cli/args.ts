import { type OptionSpec, parseStrict } from '../../common/args.ts';

/** Flags shared by every command. */
export const COMMON_FLAGS = {
  redis: { type: 'string' },
  set: { type: 'string', multiple: true },
  config: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionSpec;

export type Flags = Record<string, string | boolean | string[] | undefined>;

/**
 * Strict flags for one `crawl <command>` (common/args.ts, as the lab:* scripts
 * use): an unknown flag stops it with a did-you-mean. The message carries no
 * "crawl <command>:" prefix; main.ts prints it once.
 */
export function parseCommand(
  argv: string[],
  extra: OptionSpec,
  /** The command's help text; its first line is the usage shown with the error. */
  help: string,
): { flags: Flags; positionals: string[] } {
  const { values, positionals } = parseStrict('', help, argv, { ...COMMON_FLAGS, ...extra });
  return { flags: values, positionals };
}

export function str(flags: Flags, name: string): string | undefined {
  const v = flags[name];
  return typeof v === 'string' ? v : undefined;
}

export function list(flags: Flags, name: string): string[] {
  const v = flags[name];
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
}
