import { ConfigError } from '../../common/errors.ts';
import { openLab } from '../../provision/lab.ts';
import { addWorker, killWorker, stopWorkers, waitForPages } from './crawl-demo.ts';

/**
 * `npm run lab:lesson -- --demo <name> [node] [--after-pages N]`: lesson 9's
 * experiments, which must act in the middle of a running crawl. Everything a
 * student can type as a command is a real command in the lessons; these stay
 * helpers for their timing, and print each real command before running it.
 */

export interface DemoOptions {
  afterPages: number | undefined;
}

export const DEMOS = ['kill-worker', 'add-worker', 'stop-workers'] as const;

function usage(problem: string): ConfigError {
  return new ConfigError('CRAWL_E_USAGE', problem, {
    hint: `demos: ${DEMOS.join(', ')} (npm run lab:lesson -- --help)`,
  });
}

export async function runDemo(name: string, args: readonly string[], o: DemoOptions): Promise<number> {
  const say = (line: string) => console.log(line);
  if (!(DEMOS as readonly string[]).includes(name)) throw usage(`no demo named "${name}"`);
  const lab = await openLab({ log: () => {} });
  const node = args[0];
  if (o.afterPages !== undefined) {
    say(
      `waiting until the crawl has fetched ${o.afterPages} pages (what npm run crawl -- stats tieba counts)`,
    );
    say(`the crawl has fetched ${await waitForPages(lab, o.afterPages)} pages`);
  }
  switch (name) {
    case 'kill-worker':
      say(await killWorker(lab, node ?? 'worker1', say));
      return 0;
    case 'add-worker':
      say(await addWorker(lab, node ?? 'worker2', say));
      return 0;
    default:
      for (const line of await stopWorkers(lab, say)) say(line);
      return 0;
  }
}
