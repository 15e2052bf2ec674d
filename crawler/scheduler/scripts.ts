import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { redisRefusesWrites } from '../errors.ts';
import type { Settings } from '../settings/defaults.ts';
import { roleOf } from './key-types.ts';
import { type CrawlKeys, scriptKeys } from './keys.ts';
import { wrongTypeError } from './start-urls.ts';

/**
 * The scheduler's Lua scripts, registered once per client with ioredis
 * `defineCommand` (EVALSHA, with EVAL fallback on NOSCRIPT). Each script is
 * lua/common.lua followed by its own file; all take the same 12 KEYS and the
 * same 6-argument header (see common.lua), then their own arguments.
 */
const NAMES = ['next', 'admit', 'enqueue', 'complete', 'heartbeat', 'drop', 'filter'] as const;
export type ScriptName = (typeof NAMES)[number];

const read = (file: string) => readFileSync(new URL(`./lua/${file}`, import.meta.url), 'utf8');
const COMMON = read('common.lua');
const SOURCES: Record<ScriptName, string> = Object.fromEntries(
  NAMES.map((name) => [name, `${COMMON}\n${read(`${name}.lua`)}`]),
) as Record<ScriptName, string>;

const KEY_COUNT = 12;
const command = (name: ScriptName) => `crawlLab_${name}`;

export type ScriptArg = string | number | Buffer;
type Invoke = (...args: ScriptArg[]) => Promise<unknown>;

/** Register the scripts on a client (idempotent: the client may be shared). */
export function defineScripts(redis: Redis): void {
  const target = redis as unknown as Record<string, unknown>;
  for (const name of NAMES) {
    if (typeof target[command(name)] !== 'function') {
      redis.defineCommand(command(name), { lua: SOURCES[name], numberOfKeys: KEY_COUNT });
    }
  }
}

export interface ScriptContext {
  keys: CrawlKeys;
  settings: Settings;
  workerId: string;
  bloomShards: number;
}

/** Calls one script with the keys and header of this crawl and worker. */
export class Scripts {
  readonly #redis: Redis;
  readonly #ctx: ScriptContext;
  readonly #head: ScriptArg[];

  constructor(redis: Redis, ctx: ScriptContext) {
    defineScripts(redis);
    this.#redis = redis;
    this.#ctx = ctx;
    const s = ctx.settings;
    this.#head = [
      ...scriptKeys(ctx.keys),
      s.schedulerQueueClass,
      s.dupefilterClass,
      ctx.workerId,
      s.redisStartUrlsAsSet ? '1' : '0',
      Math.round(s.leaseTimeout * 1000),
      ctx.bloomShards,
    ];
  }

  async call(name: ScriptName, args: ScriptArg[]): Promise<unknown[]> {
    const fn = (this.#redis as unknown as Record<string, Invoke>)[command(name)]!;
    try {
      return (await fn.call(this.#redis, ...this.#head, ...args)) as unknown[];
    } catch (error) {
      throw translateScriptError(error, this.#ctx);
    }
  }
}

/**
 * The one place that reads script error text: a 'CRAWL_WRONGTYPE key actual wanted'
 * reply (lua/common.lua check_type) becomes a ConfigError naming the key and the fix.
 */
export function translateScriptError(error: unknown, ctx: Pick<ScriptContext, 'keys' | 'settings'>): unknown {
  const refused = redisRefusesWrites(error);
  if (refused) return refused;
  const text = error instanceof Error ? error.message : '';
  const m = /CRAWL_WRONGTYPE (\S+) (\w+) (\w+)/.exec(text);
  if (!m) return error;
  const which = roleOf(m[1]!, ctx.keys) ?? 'startUrls';
  return wrongTypeError({
    key: m[1]!,
    actual: m[2]!,
    wanted: m[3]!,
    which,
    settings: ctx.settings,
    cause: error,
  });
}
