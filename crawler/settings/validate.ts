import { suggest } from '../../common/suggest.ts';
import { ConfigError } from '../errors.ts';
import { SETTING_NAMES, SETTINGS, type SettingKind, type SettingName } from './defaults.ts';

/** Closest known setting name, for "did you mean" hints. */
export function suggestSetting(name: string): SettingName | undefined {
  return suggest(name, SETTING_NAMES) as SettingName | undefined;
}

export function isSettingName(name: string): name is SettingName {
  return Object.hasOwn(SETTINGS, name);
}

export function unknownSetting(name: string, source: string): ConfigError {
  const guess = suggestSetting(name);
  return new ConfigError('CRAWL_E_SETTING_UNKNOWN', `unknown setting "${name}" (from ${source})`, {
    setting: name,
    source,
    hint: guess
      ? `did you mean "${guess}"? Run \`crawl --help settings\` for the list.`
      : 'run `crawl --help settings` for the list of settings.',
  });
}

function describe(kind: SettingKind): string {
  switch (kind.type) {
    case 'int':
      return `a whole number${range(kind.min, kind.max)}`;
    case 'number':
      return `a number${range(kind.min, kind.max)}`;
    case 'bool':
      return 'true or false';
    case 'string':
      return kind.example ? `a string such as ${JSON.stringify(kind.example)}` : 'a string';
    case 'enum':
      return `one of ${kind.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'intList':
      return `a list of whole numbers${range(kind.min, kind.max)}, e.g. 500,502 or [500,502]`;
    case 'stringList':
      return 'a list of strings, e.g. a,b or ["a","b"]';
    case 'headers':
      return 'an object of header names to string values, e.g. {"accept-language":"zh-CN"}';
  }
}

function range(min?: number, max?: number): string {
  if (min !== undefined && max !== undefined) return ` from ${min} to ${max}`;
  if (min !== undefined) return ` of at least ${min}`;
  if (max !== undefined) return ` of at most ${max}`;
  return '';
}

function invalid(name: SettingName, value: unknown, source: string): ConfigError {
  const shown =
    typeof value === 'string' ? JSON.stringify(value) : `${JSON.stringify(value)} (${typeof value})`;
  return new ConfigError('CRAWL_E_SETTING_INVALID', `setting "${name}" got ${shown} (from ${source})`, {
    setting: name,
    value,
    source,
    hint: `${name} must be ${describe(SETTINGS[name].kind)}. ${SETTINGS[name].doc}`,
  });
}

function inRange(n: number, kind: { min?: number; max?: number }): boolean {
  return (kind.min === undefined || n >= kind.min) && (kind.max === undefined || n <= kind.max);
}

/**
 * Parse (when `value` is a string from env or --set) and validate one setting.
 * Returns the typed value or throws a ConfigError naming the setting, the value and the fix.
 */
export function coerceSetting(name: SettingName, value: unknown, source: string): unknown {
  const kind = SETTINGS[name].kind;
  const fromText = typeof value === 'string';
  switch (kind.type) {
    case 'int':
    case 'number': {
      const n = fromText && value.trim() !== '' ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isFinite(n) || !inRange(n, kind))
        throw invalid(name, value, source);
      if (kind.type === 'int' && !Number.isInteger(n)) throw invalid(name, value, source);
      return n;
    }
    case 'bool': {
      if (typeof value === 'boolean') return value;
      if (fromText && /^(true|1|yes|on)$/i.test(value)) return true;
      if (fromText && /^(false|0|no|off)$/i.test(value)) return false;
      throw invalid(name, value, source);
    }
    case 'string': {
      if (typeof value !== 'string' || (kind.pattern && !kind.pattern.test(value)))
        throw invalid(name, value, source);
      return value;
    }
    case 'enum': {
      if (typeof value !== 'string' || !kind.values.includes(value)) throw invalid(name, value, source);
      return value;
    }
    case 'intList':
    case 'stringList': {
      let list: unknown = value;
      if (fromText) {
        const text = value.trim();
        list = text.startsWith('[') ? parseJson(text, name, source) : text === '' ? [] : text.split(',');
      }
      if (!Array.isArray(list)) throw invalid(name, value, source);
      if (kind.type === 'stringList') {
        if (!list.every((v) => typeof v === 'string')) throw invalid(name, value, source);
        return list.map((v: string) => v.trim());
      }
      const nums = list.map((v) => (typeof v === 'string' ? Number(v.trim()) : v));
      if (!nums.every((n) => typeof n === 'number' && Number.isInteger(n) && inRange(n, kind))) {
        throw invalid(name, value, source);
      }
      return nums;
    }
    case 'headers': {
      const obj = fromText ? parseJson(value, name, source) : value;
      if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw invalid(name, value, source);
      const out: [string, string][] = [];
      for (const [k, v] of Object.entries(obj)) {
        if (typeof v !== 'string' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(k) || /[\r\n\0]/.test(v)) {
          throw invalid(name, value, source);
        }
        out.push([k.toLowerCase(), v]);
      }
      // fromEntries defines own properties, so a "__proto__" header cannot touch the prototype
      return Object.fromEntries(out);
    }
  }
}

function parseJson(text: string, name: SettingName, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new ConfigError('CRAWL_E_SETTING_INVALID', `setting "${name}" is not valid JSON (from ${source})`, {
      setting: name,
      value: text,
      source,
      cause,
      hint: `${name} must be ${describe(SETTINGS[name].kind)}.`,
    });
  }
}
