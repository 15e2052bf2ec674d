import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import {
  BOX_CMD_LINE,
  BOX_VAGRANTFILE,
  boxMetadata,
  VAGRANT_INSECURE_PUBLIC_KEY,
} from '../../provision/providers/vagrant/box.ts';

const run = promisify(execFile);

/** keys/vagrant.pub of the installed Vagrant: Debian's package, or HashiCorp's under /opt/vagrant. */
function installedInsecureKey(): string | undefined {
  for (const gems of ['/usr/share/rubygems-integration/all/gems', '/opt/vagrant/embedded/gems/gems']) {
    if (!existsSync(gems)) continue;
    const dir = readdirSync(gems).find((d) => /^vagrant-\d/.test(d));
    const key = dir && join(gems, dir, 'keys', 'vagrant.pub');
    if (key && existsSync(key)) return readFileSync(key, 'utf8').trim();
  }
  return undefined;
}

test("the box carries the installed Vagrant's insecure public key, so the first vagrant up logs in", (t) => {
  const key = installedInsecureKey();
  if (!key) {
    assert.ok(process.env['CI'] !== 'true', 'vagrant is missing in CI: TEST_NEEDS in test/setup/prepare.ts');
    t.skip('vagrant not installed: apt-get install vagrant');
    return;
  }
  assert.equal(VAGRANT_INSECURE_PUBLIC_KEY, key);
});

test("the box's own Vagrantfile boots the kernel and initrd that sit beside it, from wherever Vagrant unpacked the box", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lab-box-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'Vagrantfile'), BOX_VAGRANTFILE);
  // a stand-in Vagrant.configure that prints what the libvirt provider block sets
  const stub = `
require "json"
class Rec; def initialize; @h = {}; end; def method_missing(n, *a); @h[n.to_s.chomp("=")] = a[0]; end; def respond_to_missing?(*) true end; def h; @h; end; end
class Vm; def initialize(r); @r = r; end; def provider(name, &b); b.call(@r) if name.to_s == "libvirt"; end; end
class Cfg; def initialize(r); @vm = Vm.new(r); end; attr_reader :vm; end
module Vagrant; def self.configure(_); r = Rec.new; yield Cfg.new(r); puts JSON.generate(r.h); end; end
load ARGV[0]`;
  const { stdout } = await run('ruby', ['-e', stub, join(dir, 'Vagrantfile')]);
  assert.deepEqual(JSON.parse(stdout), {
    kernel: join(dir, 'vmlinuz'),
    initrd: join(dir, 'initrd.img'),
    cmd_line: BOX_CMD_LINE,
    disk_bus: 'virtio',
  });
  assert.match(BOX_CMD_LINE, /root=\/dev\/vda/);
  assert.deepEqual(JSON.parse(boxMetadata(4096)), { provider: 'libvirt', format: 'qcow2', virtual_size: 4 });
});
