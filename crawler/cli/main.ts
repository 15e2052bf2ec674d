import { redact, urlSecrets } from '../../common/redact.ts';
import { suggest } from '../../common/suggest.ts';
import { printError } from '../../common/terminal.ts';
import { isCrawlError } from '../errors.ts';
import { VERSION } from '../version.ts';
import { fetchCommand } from './commands/fetch.ts';
import { fingerprintCommand } from './commands/fingerprint.ts';
import { inspectCommand } from './commands/inspect.ts';
import { listCommand } from './commands/list.ts';
import { newCommand } from './commands/new.ts';
import { runCommand } from './commands/run.ts';
import { seedCommand } from './commands/seed.ts';
import { shellCommand } from './commands/shell.ts';
import { resetCommand, statsCommand } from './commands/stats.ts';
import { COMMAND_HELP, MAIN_HELP, settingsHelp } from './help.ts';

const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  run: runCommand,
  seed: seedCommand,
  stats: statsCommand,
  inspect: inspectCommand,
  reset: resetCommand,
  fingerprint: fingerprintCommand,
  new: newCommand,
  fetch: fetchCommand,
  shell: shellCommand,
  list: listCommand,
};

/** Scrapy's command names, for users who type them here (`scrapy crawl tieba` is `crawl run tieba`). */
const SCRAPY_COMMANDS: Record<string, string> = { crawl: 'run', runspider: 'run', genspider: 'new' };

/** "unknown command" with the closest command, spelled out with the arguments given. */
function unknownCommand(command: string, rest: readonly string[]): string {
  const near = SCRAPY_COMMANDS[command] ?? suggest(command, Object.keys(COMMANDS));
  const retype = near ? ['crawl', near, ...rest].join(' ') : undefined;
  const scrapy = SCRAPY_COMMANDS[command] ? ` (Scrapy's "scrapy ${command}" is "crawl ${near}" here)` : '';
  return [
    `crawl: unknown command "${command}"${retype ? ` (did you mean \`${retype}\`?)${scrapy}` : ''}`,
    `  fix: use one of ${Object.keys(COMMANDS).join(', ')} (crawl --help)`,
  ].join('\n');
}

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
  if (command === '--version' || command === '-V') {
    console.log(`crawl-lab ${VERSION}`);
    return 0;
  }
  const run = COMMANDS[command];
  if (!run) {
    printError(unknownCommand(command, rest));
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
