import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LabConfig } from './config/index.ts';
import { generateLabPassword } from './redis-conf.ts';

/** The lab's state folder (git-ignored): secrets, provider state, root filesystems. */
export const STATE_DIR = fileURLToPath(new URL('../.lab', import.meta.url));

export interface LabSecrets {
  redisPassword: string;
  mongoPassword: string;
}

/**
 * Passwords: the literal ones from lab.yaml, or generated once and kept in
 * .lab/secrets.json with mode 0600. Never printed.
 */
export function loadSecrets(config: LabConfig, dir = STATE_DIR): LabSecrets {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, 'secrets.json');
  const stored: Partial<LabSecrets> = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<LabSecrets>)
    : {};
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
  writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return secrets;
}
