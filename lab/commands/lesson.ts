import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { ConfigError } from 'crawl-lab';
import type { ParsedArgs } from '../../common/args.ts';
import { openLab } from '../../provision/lab.ts';
import { REPO_ROOT } from '../../provision/lab-env.ts';
import { labEnvLines } from '../lessons/crawl-demo.ts';
import { runDemo } from '../lessons/demos.ts';
import { RUNNER_TEXT } from '../lessons/messages.ts';
import type { Lang } from '../lessons/model.ts';
import { lessonPath, loadLesson } from '../lessons/parse.ts';
import { type Answer, runLesson } from '../lessons/runner.ts';
import type { LabCommand } from './run-command.ts';

export const TUTORIAL_DIR = join(REPO_ROOT, 'docs', 'tutorial');

const HELP = `npm run lab:lesson -- <n> [--lang en|zh] [--yes] [--from <step>]

Runs lesson n of docs/tutorial/ step by step: its explanation, each command
(after Enter, or straight through with --yes), its output, and a check against
the output the lesson shows.

  <n>            lesson number, 1 to 11 (docs/tutorial/README.md lists them)
  --lang en|zh   language of the explanations (default: zh when $LANG starts with zh, else en)
  --yes          run every step without waiting for Enter (CI does this)
  --from <step>  start at this step (after fixing what stopped an earlier run)
  --file <path>  run a lesson file of your own instead of a numbered one

Helpers the lessons call:
  --env                      shell lines giving this terminal the lab's Redis:
                             eval "$(npm run -s lab:lesson -- --env)"
  --demo <name> [node]       lesson 9's mid-crawl experiments: kill-worker <node> | add-worker <node>
                             | stop-workers, each after --after-pages N; each prints the real
                             command (npm run lab:ssh -- <node> -- ...) before running it`;

async function ask(lang: Lang): Promise<Answer> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const a = (await rl.question(RUNNER_TEXT[lang].ask)).trim().toLowerCase();
    return a === 'q' ? 'quit' : a === 's' ? 'skip' : 'run';
  } finally {
    rl.close();
  }
}

function intOf(name: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(
      'CRAWL_E_USAGE',
      `${name} must be a whole number from ${min} to ${max}, got "${raw}"`,
      {
        hint: HELP.split('\n')[0],
      },
    );
  }
  return n;
}

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

export async function lesson({ values, positionals }: ParsedArgs): Promise<number> {
  if (values['env']) {
    const lab = await openLab({ log: () => {} });
    console.log((await labEnvLines(lab)).join('\n'));
    return 0;
  }
  const demo = str(values['demo']);
  if (demo) {
    const afterPages = intOf('--after-pages', str(values['after-pages']), 1, 10_000_000);
    return runDemo(demo, positionals, { afterPages });
  }
  const lang = (str(values['lang']) ?? (process.env['LANG']?.startsWith('zh') ? 'zh' : 'en')) as Lang;
  if (lang !== 'en' && lang !== 'zh') {
    throw new ConfigError('CRAWL_E_USAGE', `--lang must be en or zh, got "${values['lang']}"`, {
      hint: 'npm run lab:lesson -- 1 --lang zh',
    });
  }
  const number = intOf('<n>', positionals[0], 1, 99);
  const own = str(values['file']);
  if (number === undefined && !own) {
    console.log(HELP);
    return 2;
  }
  const file = own ?? lessonPath(TUTORIAL_DIR, lang, number!);
  const yes = Boolean(values['yes']);
  if (!yes && !process.stdin.isTTY) {
    throw new ConfigError('CRAWL_E_USAGE', 'no terminal to wait for Enter on', {
      hint: 'add --yes to run every step straight through',
    });
  }
  const result = await runLesson(loadLesson(file), {
    yes,
    from: intOf('--from', str(values['from']), 1, 999),
    number,
    lang,
    cwd: REPO_ROOT,
    write: (t) => process.stdout.write(t),
    ask: () => ask(lang),
  });
  return result.ok ? 0 : 1;
}

export const lessonCommand: LabCommand = {
  name: 'lesson',
  usage: HELP,
  options: {
    lang: { type: 'string' },
    yes: { type: 'boolean', short: 'y' },
    from: { type: 'string' },
    file: { type: 'string' },
    env: { type: 'boolean' },
    demo: { type: 'string' },
    'after-pages': { type: 'string' },
  },
  positionals: true,
  run: (args) => lesson(args),
};
