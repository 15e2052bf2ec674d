import { quote } from 'zx';
import type { PlannedCommand } from './plan-transport.ts';

/**
 * Plan text: every command as ONE bash line whose words are quoted with zx's
 * `quote` (so `bash -c` reads back exactly the argv the step passes), and
 * everything else (notes, standard input, diffs) as `#` comments, so a whole
 * plan passes `bash -n`. Secrets never reach the text: values are replaced by
 * placeholders such as <redis-password> before quoting.
 */

/** A secret value and what the plan shows instead. */
export interface Redaction {
  secret: string;
  placeholder: string;
}

/** Environment names whose values are hidden even when they hold no known secret. */
const SECRET_ENV_NAME = /PASS|AUTH|SECRET|TOKEN|KEY/i;
/** Standard input longer than this is summarised, not printed in full. */
const MAX_INPUT_LINES = 30;

export function redactText(text: string, redactions: readonly Redaction[]): string {
  let out = text;
  for (const { secret, placeholder } of redactions) if (secret) out = out.split(secret).join(placeholder);
  return out;
}

/**
 * One shell line for an argv. A first word containing '=' is always quoted:
 * bash would read a bare `A=b` there as an assignment, not as the program.
 */
export function shellLine(words: readonly string[]): string {
  return words.map((w, i) => (i === 0 && w.includes('=') && quote(w) === w ? `$'${w}'` : quote(w))).join(' ');
}

/** Each extra environment value as shown: a known secret by its placeholder, a secret-looking name's value as <secret>. */
function shownEnv(command: PlannedCommand, redactions: readonly Redaction[]) {
  return Object.entries(command.env).map(([name, value]) => {
    const shown = redactText(value, redactions);
    const secret = shown !== value || SECRET_ENV_NAME.test(name);
    return { name, shown: secret && shown === value ? '<secret>' : shown, secret };
  });
}

/**
 * The argv a plan line stands for: `env NAME=value ...` first when the command
 * gets extra environment that is not secret (DEBIAN_FRONTEND). Secret values
 * never travel on a command line (the transports set them from stdin or the
 * process environment), so the line leaves them out: `secretEnvNote` names them.
 */
export function commandWords(command: PlannedCommand, redactions: readonly Redaction[]): string[] {
  const env = shownEnv(command, redactions)
    .filter((e) => !e.secret)
    .map((e) => `${e.name}=${e.shown}`);
  const argv = command.argv.map((w) => redactText(w, redactions));
  return env.length > 0 ? ['env', ...env, ...argv] : argv;
}

/** The secret environment a command gets, as a comment (never on its command line), or undefined. */
export function secretEnvNote(command: PlannedCommand, redactions: readonly Redaction[]): string | undefined {
  const secret = shownEnv(command, redactions).filter((e) => e.secret);
  if (secret.length === 0) return undefined;
  return `environment, not on the command line: ${secret.map((e) => `${e.name}=${e.shown}`).join(' ')}`;
}

/** Comment lines showing text, each prefixed so it stays a comment however it starts. */
function commentBlock(text: string, redactions: readonly Redaction[]): string[] {
  const lines = redactText(text, redactions).replace(/\n$/, '').split('\n');
  const shown = lines.slice(0, MAX_INPUT_LINES).map((l) => `#   | ${l}`);
  if (lines.length > MAX_INPUT_LINES) shown.push(`#   | ... (${lines.length - MAX_INPUT_LINES} more lines)`);
  return shown;
}

/**
 * Lines that differ between two versions of a file, numbered as in `before`.
 * The lab's rewrites replace lines in place or add lines at the end, so after
 * trimming the common start and end the middle pairs up line by line.
 */
export function diffLines(before: string, after: string): string[] {
  const a = before.split('\n');
  const b = after.split('\n');
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let end = 0;
  while (end < a.length - start && end < b.length - start && a[a.length - 1 - end] === b[b.length - 1 - end])
    end++;
  const out: string[] = [];
  for (let i = start; i < Math.max(a.length, b.length) - end; i++) {
    const old = i < a.length - end ? a[i] : undefined;
    const now = i < b.length - end ? b[i] : undefined;
    if (old === now) continue;
    if (old !== undefined) out.push(`${i + 1}: - ${old}`);
    if (now !== undefined) out.push(`${i + 1}: + ${now}`);
  }
  return out;
}

/** A recorded command as plan lines: the command itself, then comments (answer, stdin, diff). */
export function renderCommand(command: PlannedCommand, redactions: readonly Redaction[]): string[] {
  const notes: string[] = [];
  if (command.kind === 'copy') notes.push('copy from this host');
  if (command.internet) notes.push('needs the internet');
  if (command.answer.exitCode !== 0)
    notes.push(`fresh machine: exit ${command.answer.exitCode}${command.note ? `, ${command.note}` : ''}`);
  else if (command.note) notes.push(`fresh machine: ${command.note}`);
  const line = shellLine(commandWords(command, redactions));
  const out = [notes.length > 0 ? `${line}  # ${notes.join('; ')}` : line];
  const env = secretEnvNote(command, redactions);
  if (env) out.push(`#   ${env}`);
  // a script passed as one word (bash -c) is exact above and readable here
  command.argv.forEach((word, i) => {
    if (word.includes('\n'))
      out.push(`#   argument ${i} (a script), as text:`, ...commentBlock(word, redactions));
  });
  if (command.input !== undefined) {
    if (command.before !== undefined) {
      const changes = diffLines(command.before, command.input);
      const count = new Set(changes.map((c) => c.split(':')[0])).size;
      out.push(`#   stdin: the file as read above, with ${count} line(s) changed:`);
      out.push(...changes.map((c) => `#   | ${redactText(c, redactions)}`));
    } else {
      out.push('#   stdin:', ...commentBlock(command.input, redactions));
    }
  }
  return out;
}
