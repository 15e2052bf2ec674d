import { redact, urlSecrets } from '../../common/redact.ts';
import { printError } from '../../common/terminal.ts';
import { isCrawlError } from '../errors.ts';
import { inspectCommand } from './commands/inspect.ts';
import { runCommand } from './commands/run.ts';
import { seedCommand } from './commands/seed.ts';
import { resetCommand, statsCommand } from './commands/stats.ts';
import { COMMAND_HELP, MAIN_HELP, settingsHelp } from './help.ts';

const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  run: runCommand,
  seed: seedCommand,
  stats: statsCommand,
  inspect: inspectCommand,
  reset: resetCommand,
};

/** The --redis values on a command line (`--redis URL` and `--redis=URL`). */
function redisUrlsOf(argv: readonly string[]): string[] {
  return argv.flatMap((a, i) =>
    a === '--redis' ? [argv[i + 1] ?? ''] : a.startsWith('--redis=') ? [a.slice('--redis='.length)] : [],
  );
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    const topic = rest[0];
    if (topic === 'settings') console.log(settingsHelp());
    else if (topic && COMMAND_HELP[topic]) console.log(COMMAND_HELP[topic]);
    else console.log(MAIN_HELP);
    return command === undefined ? 2 : 0;
  }
  const run = COMMANDS[command];
  if (!run) {
    printError(
      `crawl: unknown command "${command}"\n  fix: use one of ${Object.keys(COMMANDS).join(', ')} (crawl --help)`,
    );
    return 2;
  }
  // the Redis URL's password in every spelling, wherever an error repeats it (a space in it included)
  const secrets = [...redisUrlsOf(rest), process.env['REDIS_URL']].flatMap((u) => urlSecrets(u));
  try {
    return await run(rest);
  } catch (error) {
    if (isCrawlError(error)) {
      printError(redact(`crawl ${command}: ${error.explain()}`, secrets));
      return error.name === 'ConfigError' ? 2 : 1;
    }
    printError(
      redact(
        `crawl ${command}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
        secrets,
      ),
    );
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
