import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isCrawlError } from '../../common/errors.ts';
import { ensureHostPackages, installCommand, missingNeeds } from '../../provision/host-setup/packages.ts';
import { execArgv } from '../../provision/transports/exec.ts';

/**
 * Issue 12: a prerequisite is installed (root + apt) with a line naming it, or
 * refused with one line that names it and the exact command, never a cascade.
 */
const CI = process.env['CI'] === 'true';
const isRoot = process.getuid?.() === 0;
const empty = mkdtempSync(join(tmpdir(), 'crawl-lab-nopath-'));
process.on('exit', () => rmSync(empty, { recursive: true, force: true }));

const NEED = { tool: 'crawl-lab-no-such-tool', pkg: 'crawl-lab-no-such-pkg', why: 'a test' };

test('a present tool is not a need; an absent one is, and an absolute path is checked as a file', () => {
  assert.deepEqual(missingNeeds([{ tool: 'sh', pkg: 'dash', why: 'x' }]), []);
  assert.deepEqual(missingNeeds([NEED]), [NEED]);
  assert.deepEqual(missingNeeds([{ tool: join(empty, 'nothing'), pkg: 'p', why: 'x' }]).length, 1);
});

test('installing turned off: one error naming the tool, its package, why, and the command to run', async () => {
  await assert.rejects(ensureHostPackages([NEED], { install: false, root: true }), (e: unknown) => {
    assert.ok(isCrawlError(e));
    assert.equal(e.code, 'CRAWL_E_PREREQ');
    assert.match(
      e.message,
      /crawl-lab-no-such-tool \(package crawl-lab-no-such-pkg: a test\); installing was turned off/,
    );
    assert.equal(e.hint, 'apt-get install -y crawl-lab-no-such-pkg');
    return true;
  });
});

test('not root: the error says installing needs root and gives the sudo command, once per package', async () => {
  const needs = [NEED, { ...NEED, tool: 'crawl-lab-other-tool' }];
  await assert.rejects(ensureHostPackages(needs, { root: false }), (e: unknown) => {
    assert.ok(isCrawlError(e));
    assert.match(e.message, /installing needs root/);
    assert.equal(e.hint, 'sudo apt-get install -y crawl-lab-no-such-pkg');
    return true;
  });
  assert.equal(installCommand(['a', 'b', 'a'], false), 'sudo apt-get install -y a b');
});

test('no apt-get on PATH: the error says so and names the packages', async () => {
  await assert.rejects(ensureHostPackages([NEED], { root: true, env: { PATH: empty } }), (e: unknown) => {
    assert.ok(isCrawlError(e));
    assert.match(e.message, /this host has no apt-get|installing needs root/);
    return true;
  });
});

const realSkip = CI ? false : isRoot ? false : 'installs a real Debian package: needs root (CI runs it)';

test('as root with apt, a missing package is really installed, named on a line first (real apt-get: the hello package)', {
  skip: realSkip,
  timeout: 600_000,
}, async (t) => {
  const had = existsSync('/usr/bin/hello');
  t.after(async () => {
    if (!had)
      await execArgv(['apt-get', 'remove', '-y', '-qq', 'hello'], {
        node: 'host',
        nothrow: true,
        timeoutMs: 300_000,
      });
  });
  if (had) await execArgv(['apt-get', 'remove', '-y', '-qq', 'hello'], { node: 'host', timeoutMs: 300_000 });
  const lines: string[] = [];
  const installed = await ensureHostPackages([{ tool: 'hello', pkg: 'hello', why: 'the test' }], {
    log: (l) => lines.push(l),
  });
  assert.deepEqual(installed, ['hello']);
  assert.deepEqual(lines, ['installing hello (the test)']);
  assert.ok(existsSync('/usr/bin/hello'));
  // a second call has nothing to do
  assert.deepEqual(await ensureHostPackages([{ tool: 'hello', pkg: 'hello', why: 'the test' }]), []);
});

test("npm test's set-up step stops with one message naming what is missing and its fix, not a cascade", async () => {
  // a PATH with nothing on it: every program the tests need is missing, and so is apt-get
  const r = await execArgv([process.execPath, '--import', 'tsx', 'test/setup/prepare.ts'], {
    node: 'host',
    nothrow: true,
    timeoutMs: 60_000,
    baseEnv: { ...process.env, PATH: empty },
  });
  assert.equal(r.exitCode, 1);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 2, r.stderr);
  assert.match(lines[0]!, /^test set-up: this host lacks redis-server \(package redis-server: .*\), /);
  assert.match(lines[0]!, /; (this host has no apt-get|installing needs root)$/);
  assert.match(lines[1]!, /^ {2}fix: .*redis-server.*redis-tools/);
});
