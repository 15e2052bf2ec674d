import { register } from 'node:module';
import * as admin from '../admin.ts';
import * as api from '../index.ts';

/**
 * `import { defineSpider } from 'crawl-lab'` in a spider file anywhere on disk
 * resolves to the crawler that is running it — the tsx CLI, the bundled
 * dist/crawl.mjs, or a lab node's copy — never to another copy found on disk
 * (whose error classes and request brand the engine would not recognise).
 *
 * How: the running crawler's two public modules are put on globalThis, and a
 * module resolution hook (node:module register) answers the specifiers
 * `crawl-lab` and `crawl-lab/admin` with a tiny module re-exporting them.
 */

const REGISTRY = Symbol.for('crawl-lab.modules');

const MODULES: Record<'crawl-lab' | 'crawl-lab/admin', Record<string, unknown>> = {
  'crawl-lab': api,
  'crawl-lab/admin': admin,
};

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
  if (registered) return;
  registered = true;
  (globalThis as Record<symbol, unknown>)[REGISTRY] = MODULES;
  const modules = Object.fromEntries(
    Object.entries(MODULES).map(([spec, mod]) => [
      spec,
      Object.keys(mod).filter((n) => /^[A-Za-z_$][\w$]*$/.test(n) && n !== 'default'),
    ]),
  );
  register(`data:text/javascript;base64,${Buffer.from(HOOKS).toString('base64')}`, {
    data: { modules },
  });
}
