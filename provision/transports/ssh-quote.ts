import { ProviderError } from './errors.ts';

/**
 * ssh hands the remote side ONE string, which the login shell of the remote
 * user parses again. These helpers turn an argument vector into that string
 * so every word arrives byte-identical.
 *
 * Why not zx's `quote`: it writes `$'…'` (ANSI-C quoting), which bash reads
 * but dash, the /bin/sh of Debian and Ubuntu, does not. POSIX single quotes
 * mean the same thing in sh, dash, bash, ksh and zsh: everything between them
 * is literal, and a single quote is written as '\'' (close, escaped quote, open).
 */

/** Characters that are never special to a POSIX shell, so a word made only of them needs no quotes. */
const PLAIN = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** One argv word as a POSIX shell word (quoted only when needed). */
export function posixQuote(word: string): string {
  if (word.includes('\0'))
    throw new ProviderError('a command word contains a NUL byte, which no shell can pass on', {
      hint: 'remove the NUL byte from the argument',
    });
  if (PLAIN.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface RemoteCommandOptions {
  /** Extra environment, set with `env NAME=value` in front of the command. */
  env?: Record<string, string>;
  /** Prefix `sudo -n --` (the login user is not root; -n: fail instead of asking for a password). */
  sudo?: boolean;
  /** Kill the remote command (and its process group) after this many seconds (coreutils `timeout`). */
  timeoutS?: number;
}

/** The argv words ssh runs remotely, before quoting: `[sudo -n --] [timeout -s KILL <s>] [env -- NAME=value…] argv…`. */
export function remoteArgv(argv: readonly string[], options: RemoteCommandOptions = {}): string[] {
  if (argv.length === 0) throw new TypeError('remoteArgv: argv is empty; pass at least the program name');
  const words: string[] = options.sudo ? ['sudo', '-n', '--'] : [];
  if (options.timeoutS !== undefined) words.push('timeout', '-s', 'KILL', String(options.timeoutS));
  const env = Object.entries(options.env ?? {});
  if (env.length > 0) {
    words.push('env', '--');
    for (const [name, value] of env) {
      if (!ENV_NAME.test(name))
        throw new ProviderError(`environment variable name "${name}" is not a valid shell name`, {
          hint: 'use letters, digits and "_" only, not starting with a digit (e.g. REDIS_URL)',
        });
      words.push(`${name}=${value}`);
    }
  }
  words.push(...argv);
  return words;
}

/** The single command string ssh sends: every word of remoteArgv quoted for the remote POSIX shell. */
export function remoteCommand(argv: readonly string[], options: RemoteCommandOptions = {}): string {
  return remoteArgv(argv, options).map(posixQuote).join(' ');
}

/**
 * One word of rsync's `-e` / `--rsync-path` option. rsync splits that string
 * itself (no shell): words are separated by spaces, quotes group, and a quote
 * inside quotes is written twice.
 */
export function rsyncWord(word: string): string {
  if (PLAIN.test(word)) return word;
  return `'${word.replaceAll("'", "''")}'`;
}
