import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../common/errors.ts';
import type { LabConfig } from './config/index.ts';
import { DEFAULT_STATE_DIR } from './lab-env.ts';
import { generateLabPassword } from './redis-conf.ts';

/** The lab's state folder (git-ignored): secrets, provider state, root filesystems. */
export const STATE_DIR = DEFAULT_STATE_DIR;

export interface LabSecrets {
  redisPassword: string;
  mongoPassword: string;
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
    try {
      stored = JSON.parse(text) as Partial<LabSecrets>;
    } catch (cause) {
      throw new ConfigError('CRAWL_E_LAB_CONFIG', `the lab's secrets file ${file} is not valid JSON`, {
        cause,
        hint: 'delete it and run npm run lab:up again: new passwords are generated and provisioned',
      });
    }
  }
  const secrets: LabSecrets = {
    redisPassword:
      config.redis.password === 'auto'
        ? (stored.redisPassword ?? generateLabPassword())
        : config.redis.password,
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
