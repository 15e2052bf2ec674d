import { redact } from '../common/redact.ts';
import { safeText } from '../common/terminal.ts';
import type { Settings } from './settings/defaults.ts';

export { redact } from '../common/redact.ts';

/**
 * Per-component logger with structured fields. Text for people by default,
 * one JSON object per line with logFormat=json. Long values are cut; secrets
 * are redacted and control characters escaped (common/terminal.ts).
 */
export type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level | 'silent', number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };
const MAX_FIELD = 300;

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(component: string): Logger;
  enabled(level: Level): boolean;
}

export interface LogOptions {
  level: Settings['logLevel'];
  format: Settings['logFormat'];
  /** Where lines go; stderr by default so stdout stays for data (--json, summaries). */
  write?: (line: string) => void;
  /** Values never printed (passwords in Redis URLs). */
  secrets?: readonly string[];
}

function cut(value: unknown): unknown {
  if (typeof value === 'string' && value.length > MAX_FIELD)
    return `${value.slice(0, MAX_FIELD)}…(${value.length} chars)`;
  return value;
}

export function createLogger(options: LogOptions, component = 'crawl'): Logger {
  const min = ORDER[options.level as Level | 'silent'];
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const secrets = options.secrets ?? [];
  const emit = (level: Level, msg: string, fields: Record<string, unknown> = {}) => {
    if (ORDER[level] < min) return;
    if (options.format === 'json') {
      const obj: Record<string, unknown> = { t: new Date().toISOString(), level, component, msg };
      for (const [k, v] of Object.entries(fields)) obj[k] = cut(v);
      write(safeText(redact(JSON.stringify(obj), secrets)));
      return;
    }
    const extra = Object.entries(fields)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? cut(v) : JSON.stringify(cut(v))}`)
      .join(' ');
    const time = new Date().toISOString().slice(11, 19);
    write(
      safeText(
        redact(
          `${time} ${level.toUpperCase().padEnd(5)} [${component}] ${msg}${extra ? ` ${extra}` : ''}`,
          secrets,
        ),
      ),
    );
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (name) => createLogger(options, `${component}.${name}`),
    enabled: (level) => ORDER[level] >= min,
  };
}

export const silentLogger: Logger = createLogger({ level: 'silent', format: 'text' });
