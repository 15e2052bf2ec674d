import { type OptionSpec, type ParsedArgs, parseStrict } from '../../common/args.ts';
import { isCrawlError } from '../../common/errors.ts';
import { redact } from '../../common/redact.ts';
import { printError } from '../../common/terminal.ts';
import { enterRootlessLab } from '../../provision/providers/netns/rootless-enter.ts';

/**
 * How every `npm run lab:*` script runs its command: strict flags (an unknown
 * one stops it with a did-you-mean, common/args.ts), `--help`, a failure
 * printed as "what failed + fix" with secrets redacted, and the exit code set,
 * never process.exit(). A rootless netns lab's commands re-run themselves
 * inside the lab's user namespace first (providers/netns/rootless-enter.ts).
 */
export interface LabCommand {
  /** `up`, `crawl`, …: printed as lab:<name>. */
  name: string;
  /** First line: the synopsis; the rest: what each flag does. Printed by --help. */
  usage: string;
  options?: OptionSpec;
  /** Takes positional arguments (node names, a scenario). @default false */
  positionals?: boolean;
  /** The body; `argv` is the raw arguments (lab:ssh splits them at `--`). */
  run(args: ParsedArgs, argv: readonly string[]): Promise<number>;
}

export async function runLabCommand(
  command: LabCommand,
  argv: readonly string[] = process.argv.slice(2),
): Promise<void> {
  try {
    // the error is printed as "lab:<name>: …" below
    const args = parseStrict(
      '',
      command.usage,
      argv,
      { ...command.options, help: { type: 'boolean', short: 'h' } },
      command.positionals ?? false,
    );
    if (args.values['help']) {
      console.log(command.usage);
      process.exitCode = 0;
      return;
    }
    process.exitCode = (await enterRootlessLab(command.name)) ?? (await command.run(args, argv));
  } catch (error) {
    const text = isCrawlError(error)
      ? error.explain()
      : error instanceof Error
        ? (error.stack ?? error.message)
        : String(error);
    const label = command.name === 'lab' ? 'lab' : `lab:${command.name}`;
    printError(redact(`${label}: ${text}`));
    process.exitCode = isCrawlError(error) && error.name.includes('Config') ? 2 : 1;
  }
}
