import { redact, type Settings } from 'crawl-lab';
import { type CrawlInspection, connectAdmin, inspectCrawl } from 'crawl-lab/admin';
import type { Redis } from 'ioredis';
import { urlSecrets } from '../../common/redact.ts';

/**
 * Reads the crawl's state for a progress loop and rides out a Redis outage
 * (the master's Redis restarting, its link cut): the admin client does not
 * retry by itself, so a failed read drops it and the next read connects anew.
 * `inspect` resolves undefined while Redis does not answer; `onDown` hears once
 * per outage why, `onUp` how long it lasted.
 */
export interface CrawlWatcher {
  inspect(): Promise<CrawlInspection | undefined>;
  close(): void;
}

export function crawlWatcher(
  redisUrl: string,
  settings: Settings,
  on: { onDown?: (why: string) => void; onUp?: (downMs: number) => void } = {},
  spider = 'tieba',
): CrawlWatcher {
  let admin: Redis | undefined;
  let downSince: number | undefined;
  return {
    async inspect() {
      for (;;) {
        const fresh = admin === undefined;
        try {
          admin ??= await connectAdmin(redisUrl, { ca: settings.redisCa });
          const info = await inspectCrawl(admin, spider, settings);
          if (downSince !== undefined) on.onUp?.(Date.now() - downSince);
          downSince = undefined;
          return info;
        } catch (error) {
          admin?.disconnect();
          admin = undefined;
          // a dropped connection only says "Connection is closed": connect anew once, which says why
          if (!fresh) continue;
          if (downSince === undefined) {
            downSince = Date.now();
            on.onDown?.(redact(error instanceof Error ? error.message : String(error), urlSecrets(redisUrl)));
          }
          return undefined;
        }
      }
    },
    close() {
      admin?.disconnect();
      admin = undefined;
    },
  };
}
