import { register } from 'node:module';
import * as admin from '../admin.ts';
import * as api from '../index.ts';

/**
 * `import { defineSpider } from 'crawl-lab'` in a spider file anywhere on disk
 * resolves to the crawler that is running it — the tsx CLI, the bundled
 * dist/crawl.mjs, or a lab node's copy — never to another copy found on disk
 * (whose error classes and request brand the engine would not recognise).
 *
 * How: the running crawler's two public modules are put on globalThis. A spider
 * compiled by compile.ts reads them from there (its `crawl-lab` imports became
 * the shim of crawlLabShim(), so loading it needs nothing more; the registry's
 * shape is unchanged, so such a spider also runs on an older crawler, which
 * always installs the hook and fills the registry). Any other
 * module that still names `crawl-lab` (a hand-written .mjs, a spider compiled
 * before the shim, a .ts inside this package under tsx) is answered by a
 * module resolution hook (node:module register) with a tiny module
 * re-exporting them. The hook runs in a thread of its own, which costs a
 * worker about 60 ms of CPU and 8 MB of memory at start-up (docs/performance.md),
 * so it is installed only for such modules.
 */

const REGISTRY = Symbol.for('crawl-lab.modules');

type PublicSpecifier = 'crawl-lab' | 'crawl-lab/admin';

const MODULES: Record<PublicSpecifier, Record<string, unknown>> = {
  'crawl-lab': api,
  'crawl-lab/admin': admin,
};

/** The public specifiers, for the compiler's externals and shims. */
export const PUBLIC_SPECIFIERS: readonly PublicSpecifier[] = ['crawl-lab', 'crawl-lab/admin'];

/** A module's text imports `crawl-lab` or `crawl-lab/admin` (static, dynamic or require): it needs the hook. */
const NAMES_CRAWL_LAB = /\b(?:from|import|require)\s*\(?\s*(["'`])crawl-lab(\/admin)?\1/;

function exportNames(mod: Record<string, unknown>): string[] {
  return Object.keys(mod).filter((n) => /^[A-Za-z_$][\w$]*$/.test(n) && n !== 'default');
}

/**
 * The source of a module standing in for `spec` inside a compiled spider: it
 * re-exports the running crawler's module from globalThis, and says what to do
 * when the spider is imported by something other than the crawler.
 */
export function crawlLabShim(spec: PublicSpecifier): string {
  const lines = [
    `const m = globalThis[Symbol.for("crawl-lab.modules")]?.[${JSON.stringify(spec)}];`,
    `if (m === undefined) throw new Error(${JSON.stringify(
      `this spider was compiled for crawl-lab: run it with \`crawl run <file>\`, which provides ${spec}`,
    )});`,
  ];
  for (const n of exportNames(MODULES[spec])) lines.push(`export const ${n} = m[${JSON.stringify(n)}];`);
  return lines.join('\n');
}

/** Whether the module with this text may import `crawl-lab` by name (then the hook must be installed first). */
export function namesCrawlLab(moduleText: string): boolean {
  return NAMES_CRAWL_LAB.test(moduleText);
}

/** Put the running crawler's public modules where compiled spiders (and the hook's shims) find them. */
export function provideCrawlLabModules(): void {
  (globalThis as Record<symbol, unknown>)[REGISTRY] = MODULES;
}

/** Runs in Node's module-hooks thread; `data` carries each public module's export names. */
const HOOKS = `
let sources = {};
export async function initialize(data) {
  for (const [spec, names] of Object.entries(data.modules)) {
    const lines = ['const m = globalThis[Symbol.for("crawl-lab.modules")][' + JSON.stringify(spec) + '];'];
    for (const n of names) lines.push('export const ' + n + ' = m[' + JSON.stringify(n) + '];');
    sources[spec] = 'data:text/javascript;base64,' + Buffer.from(lines.join('\\n')).toString('base64');
  }
}
export async function resolve(specifier, context, next) {
  const url = sources[specifier];
  if (url !== undefined) return { url, format: 'module', shortCircuit: true };
  return next(specifier, context);
}
`;

let registered = false;

/** Install the hook once per process (idempotent). */
export function resolveCrawlLabToThisCrawler(): void {
  provideCrawlLabModules();
  if (registered) return;
  registered = true;
  const modules = Object.fromEntries(PUBLIC_SPECIFIERS.map((spec) => [spec, exportNames(MODULES[spec])]));
  register(`data:text/javascript;base64,${Buffer.from(HOOKS).toString('base64')}`, {
    data: { modules },
  });
}
