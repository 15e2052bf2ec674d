import { CrawlError } from '../../common/errors.ts';
import { layoutOf } from '../layout.ts';
import type { Step } from '../types.ts';
import { localRedisConfigure, localRedisInstall, localRedisToolsInstall } from './local-redis.ts';
import type { MongoStepOptions } from './mongodb.ts';
import { localMongodb } from './mongodb-local.ts';
import type { RedisStepOptions } from './redis.ts';

/**
 * The `local` provider runs the lab's step list with a few steps swapped for
 * variants that need no root: the same ids (so progress, errors and the
 * idempotence check read the same), different means. Steps without a variant
 * (redis-reachable, crawler-deploy, mini-tieba-site, and steps added later)
 * run unchanged: they find their paths through the node's layout.
 */

/** Local nodes ARE this machine: they run the host's node; nothing to install. */
export function localNodeRuntime(version: string): Step {
  return {
    id: 'node-runtime',
    appliesTo: () => true,
    async run({ transport }) {
      const { nodeBin } = layoutOf(transport);
      const have = await transport.run([nodeBin, '--version'], { nothrow: true });
      if (have.stdout.trim() !== version) {
        throw new CrawlError(
          'CRAWL_E_PROVISION',
          `${nodeBin} reports ${JSON.stringify(have.stdout.trim())}, expected ${version}`,
          { hint: 'run lab:up with the node binary the lab should use (the one running npm run lab:up)' },
        );
      }
      return { status: 'skipped', why: `uses this machine's node ${version} (${nodeBin})` };
    },
  };
}

/** Replace the steps that install packages or edit /etc by their local variants, keeping order and ids. */
export function localStepVariants(
  steps: readonly Step[],
  redis: RedisStepOptions,
  nodeVersion: string,
  mongo?: MongoStepOptions,
): Step[] {
  const variants: Record<string, Step> = {
    'redis-install': localRedisInstall,
    'redis-configure': localRedisConfigure(redis),
    'redis-tools-install': localRedisToolsInstall,
    'node-runtime': localNodeRuntime(nodeVersion),
    ...(mongo ? { mongodb: localMongodb(mongo) } : {}),
  };
  return steps.map((s) => variants[s.id] ?? s);
}
