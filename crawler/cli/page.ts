import { urlSecrets } from '../../common/redact.ts';
import { createDownloader } from '../downloader/downloader.ts';
import { ConfigError } from '../errors.ts';
import { toCrawlRequest } from '../http/request.ts';
import { Response } from '../http/response.ts';
import { createLogger, type Logger } from '../log.ts';
import type { Settings } from '../settings/defaults.ts';
import { resolveSettings } from '../settings/load.ts';
import { loadSpider } from '../spiders/load.ts';
import type { Spider } from '../spiders/spider.ts';
import { type Flags, list, str } from './args.ts';

/** Every status, so `crawl fetch` and `crawl shell` show a 404 or 500 page instead of dropping it. */
const ANY_STATUS = Array.from({ length: 500 }, (_, i) => i + 100);

/** Flags of the one-page commands: which settings (a spider's customSettings with --spider). */
export const PAGE_FLAGS = { spider: { type: 'string' } } as const;

export interface PageTool {
  settings: Settings;
  log: Logger;
  /** Download one URL through the crawler's own downloader (redirects followed, any status kept). */
  get(url: string): Promise<Response>;
  close(): Promise<void>;
}

/**
 * What `crawl fetch` and `crawl shell` download with: the worker's downloader,
 * decoding, timeouts, robots.txt, cookies and user agent, from the same settings
 * (a spider's customSettings when --spider names one), redirects followed in place.
 */
export async function pageTool(flags: Flags): Promise<PageTool> {
  const ref = str(flags, 'spider');
  const spider: Spider | undefined = ref ? await loadSpider(ref) : undefined;
  const { settings } = resolveSettings({
    spider: spider?.customSettings ?? {},
    configFile: str(flags, 'config') ?? process.env['CRAWL_CONFIG'],
    env: process.env,
    overrides: list(flags, 'set'),
  });
  const log = createLogger({
    level: settings.logLevel,
    format: settings.logFormat,
    secrets: urlSecrets(settings.redisUrl),
  });
  const downloader = createDownloader({
    settings,
    allowedDomains: spider?.allowedDomains ?? [],
    redirects: 'follow',
    log: log.child('downloader'),
  });
  return {
    settings,
    log,
    async get(url) {
      let req: ReturnType<typeof toCrawlRequest>;
      try {
        req = toCrawlRequest({ url, meta: { handleHttpStatusList: ANY_STATUS } });
      } catch (cause) {
        throw new ConfigError(
          'CRAWL_E_USAGE',
          `<url> got ${JSON.stringify(url)}: not an absolute http(s) URL`,
          {
            cause,
            value: url,
            hint: 'give a full URL, e.g. http://127.0.0.1:8080/f?kw=聊天&ie=utf-8&pn=0',
          },
        );
      }
      return new Response(req, await downloader.fetch(req));
    },
    close: () => downloader.close(),
  };
}
