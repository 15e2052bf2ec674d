import { type ParseArgsConfig, parseArgs } from 'node:util';
import { ConfigError } from './errors.ts';
import { suggest } from './suggest.ts';

/**
 * Strict command-line parsing for every command of crawl-lab (`crawl …`, the
 * `lab:*` scripts, `demo`): an unknown or misspelled flag stops the command
 * with the flag, the closest known one, and the usage line — a misspelled
 * `--dryrun` must never provision for real, nor `--resum` reset a crawl.
 */
export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** `--name` of every option, for suggestions. */
function flagNames(options: OptionSpec): string[] {
  return Object.keys(options).map((k) => `--${k}`);
}

/** The word parseArgs objected to, from its message ("Unknown option '--dryrun'"). */
function offending(message: string): string | undefined {
  return /'(-[^']*)'/.exec(message)?.[1];
}

export function parseStrict(
  command: string,
  usage: string,
  args: readonly string[],
  options: OptionSpec,
  allowPositionals = true,
): ParsedArgs {
  try {
    const { values, positionals } = parseArgs({ args: [...args], options, allowPositionals, strict: true });
    return { values: values as ParsedArgs['values'], positionals };
  } catch (cause) {
    const code = (cause as { code?: string }).code;
    const word = offending((cause as Error).message);
    const flag = word?.split('=')[0];
    const near = flag ? suggest(flag.replace(/^-+/, ''), Object.keys(options)) : undefined;
    const text = (cause as Error).message;
    const ambiguous = /Option '(--[^' ]+)[^']*' argument is ambiguous/.exec(text)?.[1];
    const message =
      code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && flag
        ? `unknown flag ${flag}${near ? ` (did you mean --${near}?)` : ''}`
        : ambiguous
          ? `${ambiguous} needs a value; a value starting with "-" is written ${ambiguous}=-…`
          : text.split('\n')[0]!;
    throw new ConfigError('CRAWL_E_USAGE', `${command === '' ? '' : `${command}: `}${message}`, {
      cause,
      hint: `usage: ${usage.split('\n')[0]}${near ? '' : `; flags: ${flagNames(options).join(' ') || 'none'}`}`,
    });
  }
}
