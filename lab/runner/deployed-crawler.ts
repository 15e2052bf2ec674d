import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CrawlError } from 'crawl-lab';
import type { Lab } from '../../provision/lab.ts';
import { REPO_ROOT } from '../../provision/lab-env.ts';
import { layoutOf } from '../../provision/layout.ts';
import type { LabNode } from '../../provision/types.ts';
import { distStale } from '../build/dist.ts';

/**
 * Before lab:crawl starts workers: is the crawler on every node the build of
 * this checkout? After a `git pull` (or any edit) without `lab:up`, the nodes
 * still run the old bundle, which may not know the settings this checkout's
 * runner passes: the workers would exit at once with a usage error on every
 * node. Said here instead, with the fix. One `sha256sum` per node.
 */
export async function checkDeployedCrawler(
  lab: Lab,
  nodes: readonly LabNode[],
  root = REPO_ROOT,
): Promise<void> {
  const fix =
    'npm run lab:up (it rebuilds the crawler and copies only what changed to every node), then npm run lab:crawl';
  const stale = distStale(root);
  if (stale)
    throw new CrawlError(
      'CRAWL_E_STALE_CRAWLER',
      `the crawler's sources changed since it was built and deployed (${stale})`,
      { hint: fix },
    );
  const want = createHash('sha256')
    .update(readFileSync(join(root, 'dist', 'crawl.mjs')))
    .digest('hex');
  const differs: string[] = [];
  await Promise.all(
    [...new Map(nodes.map((n) => [n.name, n])).values()].map(async (node) => {
      const transport = lab.provider.transport(node);
      const file = `${layoutOf(transport).appDir}/crawl.mjs`;
      const r = await transport.run(['sha256sum', file], { nothrow: true });
      const have = r.exitCode === 0 ? r.stdout.trim().split(/\s+/)[0] : undefined;
      if (have !== want) differs.push(`${node.name} (${have ? 'an older or other build' : `no ${file}`})`);
    }),
  );
  if (differs.length > 0)
    throw new CrawlError(
      'CRAWL_E_STALE_CRAWLER',
      `the crawler on ${differs.sort().join(', ')} is not this checkout's build (dist/crawl.mjs)`,
      { hint: fix },
    );
}
