import { ConfigError } from '../../common/errors.ts';
import { openLab } from '../../provision/lab.ts';
import { addWorker, killWorker, stopWorkers, waitForPages } from './crawl-demo.ts';
import { fingerprintLines } from './fingerprint-demo.ts';
import { machinesUp, pingFrom, REDIS_EDITS, type RedisEdit, redisDistro, redisEdit } from './redis-demo.ts';

/**
 * `npm run lab:lesson -- --demo <name> [args]`: the small helpers lessons 3, 4
 * and 9 run as commands. Each prints what it did; the lesson checks the lines.
 */

export interface DemoOptions {
  auth: boolean;
  afterPages: number | undefined;
}

const DEMOS = [
  'machines',
  'redis-distro',
  'redis-edit',
  'ping',
  'fingerprint',
  'kill-worker',
  'add-worker',
  'stop-workers',
] as const;

function usage(problem: string): ConfigError {
  return new ConfigError('CRAWL_E_USAGE', problem, {
    hint: `demos: ${DEMOS.join(', ')} (npm run lab:lesson -- --help)`,
  });
}

export async function runDemo(name: string, args: readonly string[], o: DemoOptions): Promise<number> {
  const print = (lines: string | readonly string[]) =>
    console.log(typeof lines === 'string' ? lines : lines.join('\n'));
  if (name === 'fingerprint') {
    if (args.length === 0) throw usage('--demo fingerprint needs one or more URLs');
    print(fingerprintLines(args));
    return 0;
  }
  if (!(DEMOS as readonly string[]).includes(name)) throw usage(`no demo named "${name}"`);
  const lab = await openLab({ log: () => {} });
  const node = args[0] ?? '';
  const waitFirst = async () => {
    if (o.afterPages === undefined) return;
    const pages = await waitForPages(lab, o.afterPages);
    print(`the crawl has fetched ${pages} pages`);
  };
  switch (name) {
    case 'machines':
      print(await machinesUp(lab));
      return 0;
    case 'redis-distro':
      print(await redisDistro(lab, (l) => console.log(`  ${l}`)));
      return 0;
    case 'redis-edit': {
      if (!(REDIS_EDITS as readonly string[]).includes(node))
        throw usage(`--demo redis-edit needs one of ${REDIS_EDITS.join(', ')}, got "${node}"`);
      print(await redisEdit(lab, node as RedisEdit));
      return 0;
    }
    case 'ping':
      print(await pingFrom(lab, node || 'worker1', o.auth));
      return 0;
    case 'kill-worker':
      await waitFirst();
      print(await killWorker(lab, node || 'worker1'));
      return 0;
    case 'add-worker':
      await waitFirst();
      print(await addWorker(lab, node || 'worker2'));
      return 0;
    default:
      await waitFirst();
      print(await stopWorkers(lab));
      return 0;
  }
}
