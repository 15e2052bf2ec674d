import { quote } from 'zx';

/**
 * How a lesson helper shows the real command it is about to run, so the
 * student sees it and can type it again. Display text only: what runs is the
 * argv itself, never this string.
 */

/** One argument as bash reads it back: bare when safe, else in single quotes, else zx's $'…'. */
export function shellWord(arg: string): string {
  if (/^[\w@%+=:,./-]+$/.test(arg)) return arg;
  if (!arg.includes("'")) return `'${arg}'`;
  return quote(arg);
}

/** `npm run lab:ssh -- <node> -- <argv>`: what a student types to run argv on a lab node. */
export function sshLine(node: string, argv: readonly string[]): string {
  return `npm run lab:ssh -- ${node} -- ${argv.map(shellWord).join(' ')}`;
}

/** The line a lesson helper prints before it runs a real command. */
export const shown = (command: string) => `$ ${command}`;
