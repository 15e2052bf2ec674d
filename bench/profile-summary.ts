/**
 * npx tsx bench/profile-summary.ts [--top 25] FILE.cpuprofile ...
 * Where a worker's CPU goes: V8 CPU profiles of workers running the bundle
 * (npm run bench -- --cpu-prof DIR) summed, self time by source module (the
 * bundle's `// path` markers map a line to the module esbuild took it from)
 * and by function. Idle time is left out, so shares are of busy time.
 */
import { readFileSync } from 'node:fs';
import { argv } from 'zx';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

const files = argv._.map(String);
const top = Number(argv['top'] ?? 25);

/** For a bundle file: sorted [line, module] markers. */
const markers = new Map<string, [number, string][]>();
function moduleOf(url: string, line: number): string {
  if (!url.endsWith('.mjs')) return url === '' ? '(native)' : url.replace(/^node:/, 'node:');
  let m = markers.get(url);
  if (!m) {
    m = [];
    try {
      readFileSync(new URL(url), 'utf8')
        .split('\n')
        .forEach((text, i) => {
          const hit = /^\/\/ (\S+\.(?:[cm]?js|ts|json))$/.exec(text);
          if (hit) m!.push([i, hit[1]!.replace(/^(\.\.\/)*main\//, '')]);
        });
    } catch {}
    markers.set(url, m);
  }
  let found = '(bundle)';
  for (const [start, name] of m) {
    if (start > line) break;
    found = name;
  }
  // group a package's files under the package
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(found);
  return pkg ? pkg[1]! : found;
}

const byModule = new Map<string, number>();
const byFunction = new Map<string, number>();
let total = 0;
for (const file of files) {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const nodes = new Map(p.nodes.map((n) => [n.id, n]));
  p.samples.forEach((id, i) => {
    const n = nodes.get(id)!;
    const dt = p.timeDeltas[i] ?? 0;
    const { functionName, url, lineNumber } = n.callFrame;
    if (functionName === '(idle)') return;
    total += dt;
    const mod = functionName.startsWith('(') ? functionName : moduleOf(url, lineNumber);
    byModule.set(mod, (byModule.get(mod) ?? 0) + dt);
    const fn = `${functionName || '(anonymous)'} ${mod}:${lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + dt);
  });
}

const print = (title: string, m: Map<string, number>) => {
  console.log(`\n| ${title} | busy ms | share |\n|---|---|---|`);
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`| ${k} | ${(v / 1000).toFixed(0)} | ${((100 * v) / total).toFixed(1)}% |`);
};
console.log(`${files.length} profile(s), ${(total / 1000).toFixed(0)} ms busy`);
print('module (self time)', byModule);
print('function (self time)', byFunction);
