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
  /**
   * Extra environment. Its values never enter the command line (where `ps`
   * on both ends shows them): they travel first on stdin (`remoteInput`), and
   * a fixed reader script sets them before it execs the command.
   */
  env?: Record<string, string>;
  /** Prefix `sudo -n --` (the login user is not root; -n: fail instead of asking for a password). */
  sudo?: boolean;
  /** Kill the remote command (and its process group) after this many seconds (coreutils `timeout`). */
  timeoutS?: number;
}

/**
 * Reads `$1` pairs of lines from stdin (a name, then its value with every byte
 * written as a printf octal escape, so values may hold newlines), exports
 * them, then execs the command; the rest of stdin is the command's. `read`
 * takes one byte at a time from a pipe, so nothing of the command's input is
 * consumed. Exit 125 when the environment is cut short.
 */
export const ENV_READER = [
  'n=$1; shift',
  'while [ "$n" -gt 0 ]; do',
  '  IFS= read -r name || exit 125',
  '  IFS= read -r enc || exit 125',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: ${v%x} is the shell's, not JS
  '  v=$(printf "$enc"x); v=${v%x}',
  '  export "$name=$v"',
  '  n=$((n - 1))',
  'done',
  'exec "$@"',
].join('\n');

function checkEnv(env: Record<string, string>): [string, string][] {
  const entries = Object.entries(env);
  for (const [name, value] of entries) {
    if (!ENV_NAME.test(name))
      throw new ProviderError(`environment variable name "${name}" is not a valid shell name`, {
        hint: 'use letters, digits and "_" only, not starting with a digit (e.g. REDIS_URL)',
      });
    if (value.includes('\0'))
      throw new ProviderError(
        `environment variable ${name} holds a NUL byte, which no environment can carry`,
        {
          hint: `remove the NUL byte from ${name}`,
        },
      );
  }
  return entries;
}

/** The argv words ssh runs remotely, before quoting: `[sudo -n --] [timeout -s KILL <s>] [sh -c ENV_READER crawl-lab-env <n>] argv…`. */
export function remoteArgv(argv: readonly string[], options: RemoteCommandOptions = {}): string[] {
  if (argv.length === 0) throw new TypeError('remoteArgv: argv is empty; pass at least the program name');
  const words: string[] = options.sudo ? ['sudo', '-n', '--'] : [];
  if (options.timeoutS !== undefined) words.push('timeout', '-s', 'KILL', String(options.timeoutS));
  // after sudo (it resets the environment) and timeout: only the names' count is on the command line
  const env = checkEnv(options.env ?? {});
  if (env.length > 0) words.push('sh', '-c', ENV_READER, 'crawl-lab-env', String(env.length));
  words.push(...argv);
  return words;
}

/** What goes to the remote stdin: the environment for ENV_READER (if any), then the command's own input. */
export function remoteInput(options: RemoteCommandOptions & { input?: string }): string | undefined {
  const env = checkEnv(options.env ?? {});
  if (env.length === 0) return options.input;
  const octal = (value: string) =>
    [...Buffer.from(value, 'utf8')].map((b) => `\\${b.toString(8).padStart(3, '0')}`).join('');
  return `${env.map(([name, value]) => `${name}\n${octal(value)}\n`).join('')}${options.input ?? ''}`;
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
