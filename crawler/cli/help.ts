import { SETTING_NAMES, SETTINGS } from '../settings/defaults.ts';
import { envNameOf } from '../settings/load.ts';
import { FETCH_HELP } from './commands/fetch.ts';
import { FINGERPRINT_HELP } from './commands/fingerprint.ts';
import { INSPECT_HELP } from './commands/inspect.ts';
import { LIST_HELP } from './commands/list.ts';
import { NEW_HELP } from './commands/new.ts';
import { RUN_HELP } from './commands/run.ts';
import { SEED_HELP } from './commands/seed.ts';
import { SHELL_HELP } from './commands/shell.ts';
import { RESET_HELP, STATS_HELP } from './commands/stats.ts';

export const MAIN_HELP = `crawl — a distributed crawler on Redis (Scrapy + scrapy-redis, in TypeScript)

Usage:
  crawl run <spider> [--redis URL] [--set NAME=VALUE ...] [--output items.jsonl] [--seed]
  crawl seed <spider> [url ...]      push start URLs to the shared queue
  crawl stats <spider>               stats of the whole crawl, live workers
  crawl inspect <spider> [--watch]   what is in Redis: queue, fingerprints, leases, items, workers
  crawl reset <spider>               delete the crawl's Redis keys
  crawl fingerprint <url ...>        a URL's canonical form and request fingerprint (no Redis)
  crawl new <name> <url> [--dir D]   write a spider skeleton D/<name>.ts (scrapy genspider)
  crawl fetch <url>                  status, headers and decoded text of one page (scrapy fetch)
  crawl shell <url> [-c EXPR]        try $ and followAll on one page in a REPL (scrapy shell)
  crawl list [path ...]              the bundled spiders and the spider files here (scrapy list)
  crawl --help settings              every setting, its default and what it does
  crawl <command> --help             details of one command
  crawl --version                    the crawler's version

<spider> is a bundled spider (tieba, follow-all) or a path to a module whose
default export is a spider (see README "Write a spider"; crawl new writes one).
--output FILE picks the item format by extension: .jsonl/.jl JSON lines, .json
a JSON array, .csv CSV; items hold only the spider's fields (feedItemKey adds _key).

Settings, lowest precedence first: defaults < spider customSettings <
config file (--config, CRAWL_CONFIG or ./crawl.config.json) < environment
(CRAWL_<NAME>, REDIS_URL) < --set NAME=VALUE < dedicated flags (--redis, --output).
Unknown or invalid settings stop the command with a message saying how to fix them;
so do unknown flags and commands, with the closest one ("did you mean --output?";
Scrapy's "crawl" is "crawl run" here).

Exit codes: 0 done (crawl finished, or stopped cleanly by a signal);
1 failed; 2 bad command line, settings or spider.`;

export function settingsHelp(): string {
  const lines = ['Settings (name, default, environment variable):', ''];
  for (const name of SETTING_NAMES) {
    const s = SETTINGS[name];
    lines.push(`  ${name} = ${JSON.stringify(s.default)}    [${envNameOf(name)}]`);
    lines.push(`      ${s.doc}`);
  }
  return lines.join('\n');
}

export const COMMAND_HELP: Record<string, string> = {
  run: RUN_HELP,
  seed: SEED_HELP,
  stats: STATS_HELP,
  inspect: INSPECT_HELP,
  reset: RESET_HELP,
  fingerprint: FINGERPRINT_HELP,
  new: NEW_HELP,
  fetch: FETCH_HELP,
  shell: SHELL_HELP,
  list: LIST_HELP,
};
