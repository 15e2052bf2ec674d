import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DIST } from '../../../lab/build/bundle.ts';
import { ensureDist } from '../../../lab/build/dist.ts';
import { type CliResult, ROOT } from '../../helpers/crawl-cli.ts';
import { startHttp } from '../../helpers/http.ts';

// Issue 13: the commands Scrapy users reach for — crawl new (genspider), crawl fetch,
// crawl shell, crawl list — against a real HTTP server, from a folder outside the repo.

const TSX_CLI = ['--import', import.meta.resolve('tsx'), join(ROOT, 'crawler', 'cli', 'main.ts')];

function cli(
  argv: string[],
  cwd: string,
  input?: string,
  entry: readonly string[] = TSX_CLI,
): Promise<CliResult> {
  const child = spawn(process.execPath, [...entry, ...argv], {
    cwd,
    env: { ...process.env, FORCE_COLOR: '0' },
    stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (input !== undefined) child.stdin!.end(input);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d));
  child.stderr!.on('data', (d: Buffer) => (stderr += d));
  return new Promise((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
}

/** A three-page site (one page in GBK) that records the User-Agent it sees. */
async function site(t: { after: (fn: () => unknown) => void }) {
  const agents: string[] = [];
  const srv = await startHttp((q, res) => {
    agents.push(String(q.headers['user-agent']));
    if (q.url === '/robots.txt' || q.url === '/missing')
      return void res.writeHead(404, { 'content-type': 'text/html' }).end('<title>gone</title>');
    if (q.url === '/')
      return void res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'x-shop': 'open' })
        .end('<title>Home</title><a href="/p/1">one</a> <a href="/p/2">two</a> <a href="/about">about</a>');
    if (q.url === '/p/1')
      return void res
        .writeHead(200, { 'content-type': 'text/html; charset=gbk' })
        .end(Buffer.from('3c7469746c653ec4e3bac33c2f7469746c653e', 'hex')); // <title>你好</title> in GBK
    res.writeHead(200, { 'content-type': 'text/html' }).end(`<title>${q.url}</title>`);
  });
  t.after(() => srv.close());
  return { srv, agents };
}

function tempDir(t: { after: (fn: () => unknown) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'crawl-lab-new-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('issue 13: crawl new writes a skeleton that runs as written and yields items; it never overwrites', async (t) => {
  const { srv } = await site(t);
  const dir = tempDir(t);
  const made = await cli(['new', 'shop', srv.url, '--dir', 'spiders'], dir);
  assert.equal(made.code, 0, made.stderr);
  assert.match(made.stdout, /wrote spider "shop" to \.\/spiders\/shop\.ts/);
  const source = readFileSync(join(dir, 'spiders', 'shop.ts'), 'utf8');
  assert.match(source, /import \{ defineSpider \} from 'crawl-lab';/);
  assert.match(source, /allowedDomains: \['127\.0\.0\.1'\]/);
  const r = await cli(['run', './spiders/shop.ts', '--redis', 'memory', '--output', 'shop.jsonl'], dir);
  assert.equal(r.code, 0, r.stderr);
  const items = readFileSync(join(dir, 'shop.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { url: string; title: string });
  assert.deepEqual(items.map((i) => i.title).sort(), ['/about', '/p/2', 'Home', '你好'].sort());
  const again = await cli(['new', 'shop', srv.url, '--dir', 'spiders'], dir);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /shop\.ts already exists; crawl new never overwrites a file/);
  assert.equal(readFileSync(join(dir, 'spiders', 'shop.ts'), 'utf8'), source);
});

test('issue 13: crawl new names the bad name or URL and the fix', async (t) => {
  const dir = tempDir(t);
  const name = await cli(['new', 'my shop', 'http://127.0.0.1/'], dir);
  assert.equal(name.code, 2);
  assert.match(name.stderr, /<name> got "my shop": not a valid spider name\n {2}fix: .*e\.g\. my-shop/);
  const url = await cli(['new', 'shop', 'ftp://files.example/'], dir);
  assert.equal(url.code, 2);
  assert.match(url.stderr, /<url> got "ftp:\/\/files\.example\/": not an http\(s\) URL\n {2}fix: /);
  const bare = await cli(['new', 'ex', 'example.com'], dir);
  assert.equal(bare.code, 0, bare.stderr);
  assert.match(readFileSync(join(dir, 'ex.ts'), 'utf8'), /startUrls: \['https:\/\/example\.com\/'\]/);
  const genspider = await cli(['genspider', 'x', 'example.com'], dir);
  assert.match(genspider.stderr, /did you mean `crawl new x example\.com`/);
});

test("issue 13: crawl fetch prints status, headers and the decoded text, sent with the crawler's user agent", async (t) => {
  const { srv, agents } = await site(t);
  const dir = tempDir(t);
  const r = await cli(['fetch', `${srv.origin}/p/1`, '--set', 'userAgent=probe/1'], dir);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^HTTP 200 ${srv.origin}/p/1\ncontent-type: text/html; charset=gbk\n`));
  assert.match(r.stdout, /\n\n<title>你好<\/title>\n$/);
  assert.ok(agents.includes('probe/1'), agents.join());
  const body = await cli(['fetch', `${srv.origin}/p/1`, '--body'], dir);
  assert.equal(body.stdout, '<title>你好</title>');
  const json = await cli(['fetch', srv.url, '--json'], dir);
  const page = JSON.parse(json.stdout) as {
    status: number;
    headers: Record<string, string>;
    encoding: string;
  };
  assert.equal(page.status, 200);
  assert.equal(page.headers['x-shop'], 'open');
  assert.equal(page.encoding, 'utf-8');
  const missing = await cli(['fetch', `${srv.origin}/missing`], dir);
  assert.equal(missing.code, 0, 'a 404 page is shown, not dropped');
  assert.match(missing.stdout, /^HTTP 404 [^\n]*\/missing\n[\s\S]*<title>gone<\/title>/);
});

test('issue 13: crawl shell binds response, $ and followAll: -c, piped lines and fetch()', async (t) => {
  const { srv } = await site(t);
  const dir = tempDir(t);
  const r = await cli(
    [
      'shell',
      srv.url,
      '-c',
      "$('title').text()",
      '-c',
      "followAll('a', { allow: [/\\/p\\/\\d+$/] })",
      '-c',
      'response.status',
    ],
    dir,
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `Home\n2 request(s)\n  ${srv.origin}/p/1\n  ${srv.origin}/p/2\n200\n`);
  const piped = await cli(
    ['shell', srv.url],
    dir,
    "$('a').first()\nawait fetch('/p/1')\n$('title').text()\n",
  );
  assert.equal(piped.code, 0, piped.stderr);
  assert.equal(piped.stdout, `1 element(s)\n[0] <a href="/p/1">one</a>\nHTTP 200 ${srv.origin}/p/1\n你好\n`);
  const bad = await cli(['shell', 'not a url', '-c', '1'], dir);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /<url> got "not a url": not an absolute http\(s\) URL/);
});

test('issue 13: crawl list shows the bundled spiders and the spider files in a folder', async (t) => {
  const dir = tempDir(t);
  await cli(['new', 'alpha', 'http://127.0.0.1/'], dir);
  writeFileSync(join(dir, 'helper.ts'), 'export const x = 1;\n');
  writeFileSync(join(dir, 'broken.ts'), 'export default { name: "no parse" };\n');
  const r = await cli(['list'], dir);
  assert.equal(r.code, 1, 'a spider file that does not load makes list fail');
  const lines = r.stdout.trim().split('\n');
  assert.match(lines[0]!, /^tieba +bundled +\(1 start URL\(s\)\)$/);
  assert.match(lines[1]!, /^follow-all +bundled/);
  assert.match(r.stdout, /^alpha +\.\/alpha\.ts +\(1 start URL\(s\)\)$/m);
  assert.match(
    r.stdout,
    /^\? +\.\/broken\.ts +\(not loadable: spider in .*broken\.ts: name "no parse" is not valid\)$/m,
  );
  assert.doesNotMatch(r.stdout, /helper/);
  const one = await cli(['list', 'alpha.ts', '--json'], dir);
  assert.equal(one.code, 0, one.stderr);
  assert.deepEqual(JSON.parse(one.stdout.trim().split('\n').at(-1)!), {
    name: 'alpha',
    source: './alpha.ts',
    startUrls: 1,
  });
});

test('issue 13: the bundled dist/crawl.mjs offers new, list, fetch and shell too', async (t) => {
  await ensureDist();
  const { srv } = await site(t);
  const dir = tempDir(t);
  const bundle = [join(DIST, 'crawl.mjs')];
  assert.equal((await cli(['new', 'beta', srv.url], dir, undefined, bundle)).code, 0);
  assert.match((await cli(['list'], dir, undefined, bundle)).stdout, /^beta +\.\/beta\.ts/m);
  assert.match(
    (await cli(['fetch', srv.url, '--headers'], dir, undefined, bundle)).stdout,
    /^x-shop: open$/m,
  );
  const shell = await cli(['shell', srv.url, '-c', "$('title').text()"], dir, undefined, bundle);
  assert.equal(shell.stdout, 'Home\n', shell.stderr);
});
