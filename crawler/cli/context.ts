import { urlSecrets } from '../../common/redact.ts';
import { ConfigError } from '../errors.ts';
import { createLogger, type Logger } from '../log.ts';
import type { AdminConnectOptions } from '../redis-admin.ts';
import type { Settings } from '../settings/defaults.ts';
import { resolveSettings } from '../settings/load.ts';
import { loadSpider } from '../spiders/load.ts';
import type { Spider } from '../spiders/spider.ts';
import { type Flags, list, str } from './args.ts';

export interface CommandContext {
  spider: Spider;
  settings: Settings;
  origin: Partial<Record<keyof Settings, string>>;
  log: Logger;
}

/**
 * Load the spider and resolve settings for a command. For commands that only
 * talk to Redis (stats, reset, inspect) a bare spider name is enough.
 */
export async function commandContext(
  spiderRef: string | undefined,
  flags: Flags,
  command: string,
  options: { nameOnly?: boolean; flagSettings?: Partial<Record<keyof Settings, unknown>> } = {},
): Promise<CommandContext> {
  if (!spiderRef) {
    throw new ConfigError('CRAWL_E_USAGE', `crawl ${command}: which spider?`, {
      hint: `crawl ${command} <spider name or path>, e.g. crawl ${command} tieba`,
    });
  }
  let spider: Spider;
  try {
    spider = await loadSpider(spiderRef);
  } catch (error) {
    if (
      !options.nameOnly ||
      !(error instanceof ConfigError) ||
      error.code !== 'CRAWL_E_SPIDER_NOT_FOUND' ||
      !/^[A-Za-z0-9_-]{1,64}$/.test(spiderRef)
    ) {
      throw error;
    }
    spider = { name: spiderRef, parse: () => undefined };
  }
  const { settings, origin } = resolveSettings({
    spider: spider.customSettings ?? {},
    configFile: str(flags, 'config') ?? process.env['CRAWL_CONFIG'],
    env: process.env,
    overrides: list(flags, 'set'),
    flags: { redisUrl: str(flags, 'redis'), ...options.flagSettings },
  });
  const log = createLogger({
    level: settings.logLevel,
    format: settings.logFormat,
    secrets: urlSecrets(settings.redisUrl),
  });
  return { spider, settings, origin, log };
}

/** How a command connects: it waits for a Redis still loading its dataset (its setting, told on its log), rediss:// verified with redisCa. */
export function adminLoading(ctx: CommandContext): AdminConnectOptions {
  return {
    timeoutS: ctx.settings.redisLoadingTimeout,
    log: (line) => ctx.log.warn(line),
    ca: ctx.settings.redisCa,
  };
}
