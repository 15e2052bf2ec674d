import { readFileSync, statSync } from 'node:fs';
import { isScalar, parseDocument, visit } from 'yaml';
import { DEFAULT_LAB_CONFIG, labEnv } from '../lab-env.ts';
import type { LabNode } from '../types.ts';
import { LAB_CONFIG_MAX_BYTES } from './defaults.ts';
import { LabConfigError } from './errors.ts';
import type { LabConfig, LabConfigOverrides } from './types.ts';
import { validateLabConfig } from './validate.ts';

/** lab.yaml at the repository root, beside the Vagrantfile that reads the same file. */
export const DEFAULT_LAB_CONFIG_PATH = DEFAULT_LAB_CONFIG;

/** The only environment variable the loader reads (allow-list of one; resolved by ../lab-env.ts). */
export const LAB_CONFIG_ENV = 'LAB_CONFIG';

/**
 * Parse lab.yaml text the way the Vagrantfile's Ruby (Psych, YAML 1.1) reads
 * it, so both readers see the same values: `yes`/`no`/`on`/`off` are booleans
 * in both. Anchors and aliases are refused because Ruby's safe loader refuses
 * them; duplicate keys are refused because Ruby would silently keep the last.
 */
export function parseLabYaml(text: string, source: string): unknown {
  const doc = parseDocument(text, { version: '1.1', uniqueKeys: true, prettyErrors: true });
  const problem = doc.errors[0];
  if (problem) {
    throw new LabConfigError('(yaml)', problem.message.split('\n')[0]!, {
      source,
      hint: 'fix the YAML syntax at that line: indent with spaces (no tabs), put a space after ":" and "-", quote values containing ": " or "#".',
      cause: problem,
    });
  }
  let alias = false;
  visit(doc, {
    Alias() {
      alias = true;
      return visit.BREAK;
    },
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.value === '<<') alias = true;
    },
  });
  if (alias) {
    throw new LabConfigError('(yaml)', 'uses anchors/aliases (&name, *name or <<:)', {
      source,
      hint: "write each value out in full: the Vagrantfile's Ruby YAML loader refuses aliases.",
    });
  }
  return doc.toJS();
}

function isPlain(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Mappings merge key by key; anything else (lists included) is replaced. */
function merge(base: unknown, over: unknown): unknown {
  if (!isPlain(base) || !isPlain(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) out[key] = merge(base[key], value);
  return out;
}

function tooLarge(file: string, size: number): LabConfigError {
  return new LabConfigError(
    '(file)',
    `the lab description is ${size} bytes, more than the ${LAB_CONFIG_MAX_BYTES} a lab.yaml may have`,
    {
      source: file,
      value: size,
      hint: `is ${file} really the lab description? Point ${LAB_CONFIG_ENV} at the right file, or start from the repository's lab.yaml.`,
    },
  );
}

/**
 * Read, parse and validate the lab description. Path precedence: the `path`
 * argument, then $LAB_CONFIG, then lab.yaml at the repository root.
 * `overrides` (same snake_case keys as the file, e.g. `{ provider: 'netns' }`)
 * win over the file and pass the same validation.
 */
export function loadLabConfig(
  path?: string,
  overrides: LabConfigOverrides = {},
  env: Readonly<Record<string, string | undefined>> = process.env,
): LabConfig {
  const file = labEnv(path === undefined ? {} : { configPath: path }, env).configPath;
  let text: string;
  try {
    // a lab description is a few hundred bytes: refuse a huge file before reading it (a 50 MB one took 343 MB)
    const size = statSync(file).size;
    if (size > LAB_CONFIG_MAX_BYTES) throw tooLarge(file, size);
    text = readFileSync(file, 'utf8');
    if (Buffer.byteLength(text) > LAB_CONFIG_MAX_BYTES) throw tooLarge(file, Buffer.byteLength(text));
  } catch (cause) {
    if (cause instanceof LabConfigError) throw cause;
    throw new LabConfigError('(file)', `cannot read the lab description: ${(cause as Error).message}`, {
      source: file,
      cause,
      hint: `create it (copy lab.yaml from the repository root) or point ${LAB_CONFIG_ENV} at an existing file.`,
    });
  }
  const raw = parseLabYaml(text, file);
  const hasOverrides = Object.keys(overrides).length > 0;
  return validateLabConfig(merge(raw ?? {}, overrides), hasOverrides ? `${file} (with overrides)` : file);
}

/** The nodes as the provisioning contracts want them (fresh copies: callers may not edit the config). */
export function labNodes(config: LabConfig): LabNode[] {
  return config.nodes.map((node) => ({ ...node, ...(node.ssh ? { ssh: { ...node.ssh } } : {}) }));
}
