import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '../errors.ts';
import { defaultSettings, SETTING_NAMES, type SettingName, type Settings } from './defaults.ts';
import { coerceSetting, isSettingName, unknownSetting } from './validate.ts';

export const DEFAULT_CONFIG_FILE = 'crawl.config.json';

/** Environment variables read, by allow-list: CRAWL_<SNAKE_CASE_NAME> for every setting, plus REDIS_URL. */
export function envNameOf(name: SettingName): string {
  return `CRAWL_${name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

const ENV_ALIASES: Readonly<Record<string, SettingName>> = { REDIS_URL: 'redisUrl' };

export interface SettingsSources {
  /** Spider `customSettings` (already plain values). */
  spider?: Readonly<Record<string, unknown>>;
  /** Config file path; when undefined, ./crawl.config.json is read if present. */
  configFile?: string;
  cwd?: string;
  /** Environment (pass a fake object in tests). */
  env?: Readonly<Record<string, string | undefined>>;
  /** `--set NAME=VALUE` strings, in order. */
  overrides?: readonly string[];
  /** Values from dedicated CLI flags (--redis, --output), highest precedence. */
  flags?: Readonly<Partial<Record<SettingName, unknown>>>;
}

export interface ResolvedSettings {
  settings: Settings;
  /** Where each non-default value came from, for the "effective settings" line at start. */
  origin: Partial<Record<SettingName, string>>;
}

/**
 * Resolve settings: defaults < spider < config file < env < --set < flags.
 * Unknown names and invalid values throw ConfigError naming the setting, value, source and fix.
 */
export function resolveSettings(sources: SettingsSources = {}): ResolvedSettings {
  const settings = defaultSettings() as Record<SettingName, unknown>;
  const origin: Partial<Record<SettingName, string>> = {};
  const apply = (name: string, value: unknown, source: string) => {
    if (!isSettingName(name)) throw unknownSetting(name, source);
    settings[name] = coerceSetting(name, value, source);
    origin[name] = source;
  };

  for (const [name, value] of Object.entries(sources.spider ?? {}))
    apply(name, value, 'spider customSettings');

  const file = readConfigFile(sources.configFile, sources.cwd ?? process.cwd());
  if (file) for (const [name, value] of Object.entries(file.values)) apply(name, value, file.path);

  const env = sources.env ?? {};
  for (const [alias, name] of Object.entries(ENV_ALIASES)) {
    const v = env[alias];
    if (v !== undefined && v !== '') apply(name, v, `env ${alias}`);
  }
  for (const name of SETTING_NAMES) {
    const v = env[envNameOf(name)];
    if (v !== undefined) apply(name, v, `env ${envNameOf(name)}`);
  }
  for (const key of Object.keys(env)) {
    if (
      key.startsWith('CRAWL_') &&
      !SETTING_NAMES.some((n) => envNameOf(n) === key) &&
      !RESERVED_ENV.has(key) &&
      !key.startsWith('CRAWL_LAB_')
    ) {
      throw unknownSetting(key, `env ${key}`);
    }
  }

  for (const pair of sources.overrides ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) {
      throw new ConfigError('CRAWL_E_USAGE', `--set expects NAME=VALUE, got ${JSON.stringify(pair)}`, {
        hint: 'write it as --set concurrentRequests=8',
      });
    }
    apply(pair.slice(0, eq).trim(), pair.slice(eq + 1), '--set');
  }
  for (const [name, value] of Object.entries(sources.flags ?? {})) {
    if (value !== undefined) apply(name, value, 'command-line flag');
  }
  return { settings: Object.freeze(settings) as Settings, origin };
}

/** CRAWL_* variables that are not settings (read by the CLI itself); CRAWL_LAB_* belong to the lab kit. */
const RESERVED_ENV = new Set(['CRAWL_CONFIG']);

function readConfigFile(
  path: string | undefined,
  cwd: string,
): { path: string; values: Record<string, unknown> } | undefined {
  const explicit = path !== undefined;
  const full = resolve(cwd, path ?? DEFAULT_CONFIG_FILE);
  if (!existsSync(full)) {
    if (!explicit) return undefined;
    throw new ConfigError('CRAWL_E_CONFIG_FILE', `config file not found: ${full}`, {
      hint: 'check the path given to --config (or CRAWL_CONFIG).',
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(full, 'utf8'));
  } catch (cause) {
    throw new ConfigError('CRAWL_E_CONFIG_FILE', `config file ${full} is not valid JSON`, {
      cause,
      hint: 'it must be one JSON object of settings, e.g. {"concurrentRequests": 8}',
    });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError('CRAWL_E_CONFIG_FILE', `config file ${full} must hold one JSON object`, {
      hint: 'e.g. {"concurrentRequests": 8, "downloadDelay": 0.5}',
    });
  }
  return { path: full, values: parsed as Record<string, unknown> };
}
