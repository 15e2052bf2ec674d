import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { namesCrawlLab } from '../../../crawler/spiders/resolve-crawl-lab.ts';
import { buildSpider, DIST } from '../../../lab/build/bundle.ts';
import { ensureDist } from '../../../lab/build/dist.ts';
import { type CliResult, ROOT } from '../../helpers/crawl-cli.ts';
import { startHttp } from '../../helpers/http.ts';

// Issue 13: a .ts or .js spider in any folder — no package.json, no node_modules —
// runs with `crawl run ./my.ts` through the tsx CLI and the bundled dist/crawl.mjs,
// and `crawl-lab` resolves to the crawler running it; so does the spider compiled
// into dist/spiders/ for the lab's nodes.

const TS_SPIDER = `import { DropItem, defineSpider, type Item } from 'crawl-lab';
import { LINKS } from './links.ts';

interface Page extends Item { url: string; n: number }

export default defineSpider({
  name: 'anywhere',
  startUrls: [process.env['SITE_URL'] as string],
  // DropItem must be the running crawler's own class for the engine to count the drop
  pipelines: [{ name: 'drop-odd', processItem: (item: Item) => { if ((item as Page).n % 2) throw new DropItem('odd'); return item; } }],
  *parse(response) {
    yield { url: response.url, n: Number(response.$('h1').text()) } satisfies Page;
    yield* response.followAll(LINKS);
  },
});
`;
const TS_LINKS = `export const LINKS: string = 'a';\n`;
const JS_SPIDER = `import { DropItem, defineSpider } from 'crawl-lab';

export default defineSpider({
  name: 'anywhere',
  startUrls: [process.env.SITE_URL],
  pipelines: [{ name: 'drop-odd', processItem(item) { if (item.n % 2) throw new DropItem('odd'); return item; } }],
  *parse(response) {
    yield { url: response.url, n: Number(response.$('h1').text()) };
    yield* response.followAll('a');
  },
});
`;

function run(argv: string[], cwd: string, env: Record<string, string>): Promise<CliResult> {
  const child = spawn(process.execPath, argv, { cwd, env: { ...process.env, ...env }, stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  return new Promise((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
}

async function site(t: { after: (fn: () => unknown) => void }) {
  const srv = await startHttp((req, res) => {
    const n = Number((req.url ?? '/').slice(1) || '0');
    const links = n === 0 ? '<a href="/1">1</a><a href="/2">2</a><a href="/3">3</a>' : '';
    res.writeHead(200, { 'content-type': 'text/html' }).end(`<h1>${n}</h1>${links}`);
  });
  t.after(() => srv.close());
  return srv;
}

function folderOutsideRepo(t: { after: (fn: () => unknown) => void }, files: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'crawl-lab-my-spider-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.ok(!dir.startsWith(ROOT));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

function checkCrawl(r: CliResult, out: string): void {
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { local: Record<string, number> };
  assert.equal(summary.local['response_received_count'], 4);
  assert.equal(summary.local['item_dropped_count'], 2, "the spider's DropItem is the crawler's own class");
  const items = readFileSync(out, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { n: number });
  assert.deepEqual(items.map((i) => i.n).sort(), [0, 2]);
}

const RUN = ['--redis', 'memory', '--json', '--set', 'logLevel=warn', '--set', 'robotstxtObey=false'];

// bin/crawl.js runs the bundle when it is fresh (issue 12), so the TypeScript sources are run through tsx by name
for (const [cli, ...entry] of [
  [
    'the TypeScript CLI through tsx',
    '--import',
    import.meta.resolve('tsx'),
    join(ROOT, 'crawler', 'cli', 'main.ts'),
  ],
  ['the bundled dist/crawl.mjs', join(DIST, 'crawl.mjs')],
] as const) {
  for (const [kind, files, main] of [
    ['.ts spider importing a local .ts file', { 'my.ts': TS_SPIDER, 'links.ts': TS_LINKS }, 'my.ts'],
    ['.js spider without a package.json', { 'my.js': JS_SPIDER }, 'my.js'],
  ] as const) {
    test(`a ${kind} in a folder outside the repository runs through ${cli}`, async (t) => {
      if (entry.at(-1)!.endsWith('.mjs')) await ensureDist();
      const srv = await site(t);
      const dir = folderOutsideRepo(t, files);
      const r = await run([...entry, 'run', `./${main}`, '--output', 'out.jsonl', ...RUN], dir, {
        SITE_URL: srv.url,
      });
      checkCrawl(r, join(dir, 'out.jsonl'));
    });
  }
}

test('a spider compiled into dist/spiders/ runs on a lab node: crawl.mjs and the .mjs alone, no node_modules', async (t) => {
  await ensureDist();
  const srv = await site(t);
  const src = folderOutsideRepo(t, { 'my.ts': TS_SPIDER, 'links.ts': TS_LINKS });
  const node = folderOutsideRepo(t, {});
  cpSync(join(DIST, 'crawl.mjs'), join(node, 'crawl.mjs'));
  cpSync(join(DIST, 'lua'), join(node, 'lua'), { recursive: true });
  await buildSpider(join(src, 'my.ts'), node);
  rmSync(src, { recursive: true, force: true });
  const r = await run(['crawl.mjs', 'run', 'spiders/my.mjs', '--output', 'out.jsonl', ...RUN], node, {
    SITE_URL: srv.url,
  });
  checkCrawl(r, join(node, 'out.jsonl'));
});

// Issue 14: a compiled spider takes the crawler's modules from globalThis, so a worker
// starts without the module-hooks thread; a module that still imports `crawl-lab` by
// name gets the hook as before.

test('a compiled spider names no crawl-lab module, and imported without the crawler it says how to run it', async (t) => {
  const src = folderOutsideRepo(t, { 'my.ts': TS_SPIDER, 'links.ts': TS_LINKS });
  const out = folderOutsideRepo(t, {});
  const mjs = await buildSpider(join(src, 'my.ts'), out);
  assert.equal(namesCrawlLab(readFileSync(mjs, 'utf8')), false);
  const r = await run(['--input-type=module', '-e', `await import(${JSON.stringify(mjs)})`], out, {});
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /this spider was compiled for crawl-lab: run it with `crawl run <file>`/);
});

test('a hand-written .mjs spider importing crawl-lab by name still runs on the crawler that loads it', async (t) => {
  await ensureDist();
  const srv = await site(t);
  const dir = folderOutsideRepo(t, { 'my.mjs': JS_SPIDER });
  assert.equal(namesCrawlLab(JS_SPIDER), true);
  const r = await run([join(DIST, 'crawl.mjs'), 'run', './my.mjs', '--output', 'out.jsonl', ...RUN], dir, {
    SITE_URL: srv.url,
  });
  checkCrawl(r, join(dir, 'out.jsonl'));
});

test('a spider with a syntax error names the file and line', async (t) => {
  const dir = folderOutsideRepo(t, { 'bad.ts': 'export default {\n  name: "x",,\n};\n' });
  const r = await run([join(ROOT, 'bin', 'crawl.js'), 'run', './bad.ts', '--redis', 'memory'], dir, {});
  assert.equal(r.code, 2);
  assert.match(r.stderr, /could not compile spider .*bad\.ts: .*bad\.ts:2/);
});
