import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../common/errors.ts';
import type { LabConfig } from './config/index.ts';
import { DEFAULT_STATE_DIR } from './lab-env.ts';
import { generateLabPassword } from './redis-conf.ts';

/** The lab's state folder (git-ignored): secrets, provider state, root filesystems. */
export const STATE_DIR = DEFAULT_STATE_DIR;

export interface LabSecrets {
  /** The crawl's Redis user (`crawler`; the default user's requirepass in the lesson's hand edit). */
  redisPassword: string;
  /** Provisioning's Redis user (`lab-admin`): always generated. */
  redisAdminPassword: string;
  mongoPassword: string;
}

const RESET_SECRETS = 'delete it and run npm run lab:up again: new passwords are generated and provisioned';

/** What secrets.json holds, re-validated on read: an object whose passwords, where present, are non-empty strings. */
function checkStoredSecrets(value: unknown, file: string): Partial<LabSecrets> {
  const shown = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : `a ${typeof v}`);
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ConfigError(
      'CRAWL_E_LAB_CONFIG',
      `the lab's secrets file ${file} holds ${shown(value)}, not an object with redisPassword and mongoPassword`,
      { hint: RESET_SECRETS },
    );
  const out: Partial<LabSecrets> = {};
  for (const field of ['redisPassword', 'redisAdminPassword', 'mongoPassword'] as const) {
    const v = (value as Record<string, unknown>)[field];
    if (v === undefined) continue;
    if (typeof v !== 'string' || v === '')
      throw new ConfigError(
        'CRAWL_E_LAB_CONFIG',
        `the lab's secrets file ${file}: ${field} is ${v === '' ? 'empty' : shown(v)}, not a password string`,
        { hint: RESET_SECRETS },
      );
    out[field] = v;
  }
  return out;
}

/**
 * Passwords: the literal ones from lab.yaml, or generated once and kept in
 * .lab/secrets.json with mode 0600. Never printed. Several lab commands may
 * start at the same moment (a lesson, the dashboard and lab:crawl), so the file
 * is written only when it changes, and then whole: a temporary file renamed
 * over it, never a half-written file another command could read.
 */
export function loadSecrets(config: LabConfig, dir = STATE_DIR): LabSecrets {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, 'secrets.json');
  const text = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  let stored: Partial<LabSecrets> = {};
  if (text !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (cause) {
      throw new ConfigError('CRAWL_E_LAB_CONFIG', `the lab's secrets file ${file} is not valid JSON`, {
        cause,
        hint: RESET_SECRETS,
      });
    }
    stored = checkStoredSecrets(parsed, file);
  }
  const secrets: LabSecrets = {
    redisPassword:
      config.redis.password === 'auto'
        ? (stored.redisPassword ?? generateLabPassword())
        : config.redis.password,
    redisAdminPassword: stored.redisAdminPassword ?? generateLabPassword(),
    mongoPassword:
      config.mongodb.password === 'auto'
        ? (stored.mongoPassword ?? generateLabPassword())
        : config.mongodb.password,
  };
  const wanted = `${JSON.stringify(secrets, null, 2)}\n`;
  if (wanted !== text) {
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, wanted, { mode: 0o600 });
    renameSync(temporary, file);
  } else if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600); // copied around with looser rights
  return secrets;
}

/**
 * The lab's mode as lab:up last set it. `lab:up --article-exact` provisions the
 * article's open Redis; every later command (lab:crawl, lab:status, lessons)
 * must then connect without a password, so the choice is kept here until the
 * next lab:up without the flag.
 */
export interface LabMode {
  articleExact: boolean;
}

export function readLabMode(dir = STATE_DIR): LabMode | undefined {
  const file = join(dir, 'mode.json');
  if (!existsSync(file)) return undefined;
  try {
    const mode = JSON.parse(readFileSync(file, 'utf8')) as Partial<LabMode>;
    return { articleExact: mode.articleExact === true };
  } catch {
    return undefined; // a damaged mode file means "as lab.yaml says"
  }
}

export function writeLabMode(mode: LabMode, dir = STATE_DIR): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, 'mode.json');
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(mode)}\n`, { mode: 0o600 });
  renameSync(temporary, file);
}
