import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { expectedSha256, fetchNodeTarball, nodeArchOf, nodeTarballName } from '../../provision/node-dist.ts';
import { nodeDownload } from '../../provision/steps/node-download.ts';
import { LocalTransport } from '../../provision/transports/local.ts';
import { startHttp } from '../helpers/http.ts';
import { node } from './netns-support.ts';

/**
 * A mirror on 127.0.0.1 serving a real Node.js release tarball built from this
 * machine's own node binary (so the unpacked node really runs and reports
 * process.version), plus its SHASUMS256.txt.
 */
const version = process.version;
const arch = nodeArchOf(execFileSync('uname', ['-m'], { encoding: 'utf8' }))!;
const file = nodeTarballName(version, arch);
const work = mkdtempSync(join(tmpdir(), 'crawl-lab-nodedist-'));
after(() => rmSync(work, { recursive: true, force: true }));

const top = join(work, 'build', `node-${version}-linux-${arch}`);
mkdirSync(join(top, 'bin'), { recursive: true });
copyFileSync(process.execPath, join(top, 'bin', 'node'));
// xz -0: the format the real tarballs use, at the fastest level (the binary is ~100 MB)
execFileSync('bash', [
  '-c',
  'tar -C "$1" -cf - "$2" | xz -0 -T2 > "$3"',
  'pack',
  join(work, 'build'),
  `node-${version}-linux-${arch}`,
  join(work, file),
]);
const tarball = readFileSync(join(work, file));
const goodSum = createHash('sha256').update(tarball).digest('hex');

type Mode = 'good' | 'wrong-sum' | 'cut';
let mode: Mode = 'good';
const mirror = await startHttp((req, res) => {
  if (req.url === `/${version}/SHASUMS256.txt`) {
    const sum = mode === 'wrong-sum' ? '0'.repeat(64) : goodSum;
    res.end(`${'1'.repeat(64)}  node-${version}-linux-armv7l.tar.xz\n${sum}  ${file}\n`);
  } else if (req.url === `/${version}/${file}`) {
    res.writeHead(200, { 'content-length': String(tarball.length) });
    if (mode === 'cut') {
      // half the body, then the connection drops: a download interrupted mid-way
      res.write(tarball.subarray(0, tarball.length >> 1), () => res.socket?.destroy());
    } else res.end(tarball);
  } else {
    res.statusCode = 404;
    res.end();
  }
});
after(() => mirror.close());

function cacheDir(): string {
  return mkdtempSync(join(work, 'cache-'));
}

function cached(dir: string): string[] {
  try {
    return readdirSync(join(dir, 'node', version)).sort();
  } catch {
    return [];
  }
}

test('the tarball is downloaded once, verified, and then served from the cache without a request', async () => {
  mode = 'good';
  const dir = cacheDir();
  mirror.hits.length = 0;
  const first = await fetchNodeTarball({ version, arch, mirror: mirror.origin, cacheDir: dir });
  assert.equal(first.fromCache, false);
  assert.equal(first.sha256, goodSum);
  assert.equal(mirror.hits.length, 2, 'SHASUMS256.txt and the tarball');
  assert.deepEqual(cached(dir), ['SHASUMS256.txt', file].sort());

  const second = await fetchNodeTarball({ version, arch, mirror: `${mirror.origin}/`, cacheDir: dir });
  assert.equal(second.fromCache, true);
  assert.equal(second.path, first.path);
  assert.equal(mirror.hits.length, 2, 'no request for a cached tarball');
});

test('a checksum mismatch is rejected with both hashes named and nothing is kept in the cache', async () => {
  mode = 'wrong-sum';
  const dir = cacheDir();
  await assert.rejects(
    fetchNodeTarball({ version, arch, mirror: mirror.origin, cacheDir: dir }),
    (e: Error & { code?: string; hint?: string }) => {
      assert.equal(e.code, 'CRAWL_E_PROVISION');
      assert.match(e.message, /checksum mismatch/);
      assert.ok(e.message.includes(goodSum), 'names what the download hashes to');
      assert.match(e.message, /deleted/);
      assert.match(e.hint ?? '', /mirrors\.node/);
      return true;
    },
  );
  assert.deepEqual(cached(dir), []);
});

test('an interrupted download leaves no partial file behind and says to run again', async () => {
  mode = 'cut';
  const dir = cacheDir();
  await assert.rejects(
    fetchNodeTarball({ version, arch, mirror: mirror.origin, cacheDir: dir }),
    (e: Error & { code?: string }) => {
      assert.equal(e.code, 'CRAWL_E_PROVISION');
      assert.match(e.message, /interrupted|could not download/);
      return true;
    },
  );
  assert.deepEqual(cached(dir), []);
});

test('a mirror without the version answers with the URL and the mirrors.node setting', async () => {
  mode = 'good';
  await assert.rejects(
    fetchNodeTarball({ version: 'v0.0.1', arch, mirror: mirror.origin, cacheDir: cacheDir() }),
    (e: Error & { hint?: string }) => {
      assert.match(e.message, /v0\.0\.1\/SHASUMS256\.txt: HTTP 404/);
      assert.match(e.hint ?? '', /mirrors\.node/);
      return true;
    },
  );
});

test('the node-download step uploads, unpacks into the prefix and is a no-op the second time', async () => {
  mode = 'good';
  const dir = cacheDir();
  const prefix = join(work, 'prefix with space');
  const transport = new LocalTransport(node('vm1', '127.0.0.1'));
  const step = nodeDownload({ version, mirror: mirror.origin, cacheDir: dir, prefix });
  const ctx = { node: transport.node, transport, nodes: [transport.node], log: () => {} };
  mirror.hits.length = 0;
  assert.deepEqual(await step.run(ctx), { status: 'changed' });
  assert.equal(
    execFileSync(join(prefix, 'bin', 'node'), ['--version'], { encoding: 'utf8' }).trim(),
    version,
  );
  assert.deepEqual(readdirSync(prefix), ['bin'], 'only the release contents, no top folder');
  assert.deepEqual(await step.run(ctx), { status: 'ok' });
  assert.equal(mirror.hits.length, 2, 'one download for both runs');
});

test('machine architectures map to Node build names and SHASUMS lines are read exactly', () => {
  assert.equal(nodeArchOf('x86_64\n'), 'x64');
  assert.equal(nodeArchOf('aarch64'), 'arm64');
  assert.equal(nodeArchOf('armv7l'), undefined);
  const sums = `${'a'.repeat(64)}  node-v1-linux-x64.tar.gz\n${'b'.repeat(64)}  node-v1-linux-x64.tar.xz\n`;
  assert.equal(expectedSha256(sums, 'node-v1-linux-x64.tar.xz'), 'b'.repeat(64));
  assert.equal(expectedSha256(sums, 'node-v1-linux-arm64.tar.xz'), undefined);
});
