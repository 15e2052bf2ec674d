import assert from 'node:assert/strict';
import test from 'node:test';
import { GO_TOOLCHAIN, goProxy, goToolchainUrl } from '../../provision/host-setup/go-toolchain.ts';

/**
 * Where the Go toolchain comes from when this host has no Go 1.21+ (Debian 12's
 * apt has 1.19): the golang.org/toolchain module on the Go module proxy, as the
 * go command fetches one. The real fetch and the FerretDB build with it run in
 * test/setup/fresh-machine.test.ts.
 */
test('the toolchain module is fetched from the first https entry of GOPROXY, else proxy.golang.org', () => {
  assert.equal(goProxy({}), 'https://proxy.golang.org');
  assert.equal(goProxy({ GOPROXY: 'https://goproxy.example/,direct' }), 'https://goproxy.example');
  assert.equal(goProxy({ GOPROXY: 'off' }), 'https://proxy.golang.org');
  assert.equal(goProxy({ GOPROXY: 'direct|https://mirror.example/go' }), 'https://mirror.example/go');
});

test('the URL names the toolchain version and this CPU in Go terms; an unknown CPU is a clear error', () => {
  assert.equal(
    goToolchainUrl({}, 'x64'),
    `https://proxy.golang.org/golang.org/toolchain/@v/v0.0.1-${GO_TOOLCHAIN}.linux-amd64.zip`,
  );
  assert.match(goToolchainUrl({}, 'arm64'), /\.linux-arm64\.zip$/);
  assert.throws(
    () => goToolchainUrl({}, 'mips'),
    (e: Error & { code?: string }) =>
      e.code === 'CRAWL_E_PREREQ' && /no Go toolchain to fetch for linux\/mips/.test(e.message),
  );
});
