import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { labScript } from '../helpers/lab-script.ts';
import { freePort } from '../helpers/redis-server.ts';
import { pidsWith } from '../provision/netns-support.ts';

/**
 * Issue 12: lab:up applies lab.yaml edits to services that run already. A local
 * lab (no root, loopback only) is brought up by the real `lab:up` script; then
 * site.latency_ms and crawl.list_pages change and lab:up runs again: the site
 * must be restarted with the new flags and reported as changed, not "ok".
 */

/** The step line lab:up printed for `step` on `node`: its status word. */
function statusOf(out: string, node: string, step: string): string | undefined {
  const re = new RegExp(`^${node} +${step} +(\\w+)`, 'm');
  return re.exec(out)?.[1];
}

/** The running site's command line (the node process, not the supervisor's `sh -c` around it). */
function siteArgv(dir: string): string[] {
  const argvs = pidsWith(dir, 'site.mjs', '--latency-ms')
    .map((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'))
    .filter((argv) => argv[0] !== 'sh');
  assert.equal(argvs.length, 1, `exactly one site process: ${JSON.stringify(argvs)}`);
  return argvs[0]!;
}

const flag = (argv: string[], name: string) => argv[argv.indexOf(name) + 1];

test('issue 12: lab:up restarts the site when site.latency_ms or crawl.list_pages changed in lab.yaml, and reports it as changed; lab:crawl refuses a node running another build and names lab:up', {
  timeout: 600_000,
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'crawl-lab-fa-edits-'));
  const [redisPort, sitePort] = [await freePort(), await freePort()];
  const config = join(dir, 'lab.yaml');
  const yaml = (latency: number, listPages: number) => `provider: local
network: { cidr: 10.61.2.0/24 }
nodes:
  - { name: master, role: master, ip: 10.61.2.10 }
  - { name: worker1, role: worker, ip: 10.61.2.11 }
redis: { port: ${redisPort} }
site: { port: ${sitePort}, latency_ms: ${latency} }
crawl: { list_pages: ${listPages} }
mongodb: { enabled: false }
`;
  writeFileSync(config, yaml(0, 2));
  const env = { LAB_CONFIG: config, LAB_STATE: join(dir, 'state'), LAB_ID: 'fa2' };
  t.after(async () => {
    await labScript('destroy.ts', [], env);
    for (const pid of pidsWith(dir)) process.kill(pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  const first = await labScript('up.ts', [], env);
  assert.equal(first.code, 0, first.stderr + first.stdout);
  const before = siteArgv(dir);
  assert.equal(flag(before, '--latency-ms'), '0');
  const truth = async () =>
    ((await (await fetch(`http://127.0.0.10:${sitePort}/__truth`)).json()) as { listPages: number })
      .listPages;
  assert.equal(await truth(), 2);

  const same = await labScript('up.ts', [], env);
  assert.equal(same.code, 0, same.stderr);
  assert.equal(statusOf(same.stdout, 'master', 'mini-tieba-site'), 'ok', same.stdout);

  writeFileSync(config, yaml(5, 3));
  const edited = await labScript('up.ts', [], env);
  assert.equal(edited.code, 0, edited.stderr + edited.stdout);
  const all = edited.stdout + edited.stderr;
  assert.equal(statusOf(edited.stdout, 'master', 'mini-tieba-site'), 'changed', all);
  assert.match(all, /restarted the site: --list-pages 2 → 3, --latency-ms 0 → 5/);
  const after = siteArgv(dir);
  assert.equal(flag(after, '--latency-ms'), '5');
  assert.equal(flag(after, '--list-pages'), '3');
  assert.equal(await truth(), 3, 'the running site serves the new list_pages');

  // another build on one node (a checkout pulled without lab:up): lab:crawl names the node and the fix
  const deployed = findFiles(join(dir, 'state'), 'crawl.mjs').filter((f) => f.includes('worker1'));
  assert.equal(deployed.length, 1, `worker1's deployed crawler: ${deployed}`);
  appendFileSync(deployed[0]!, '\n// an older build\n');
  const stale = await labScript('crawl.ts', [], env);
  assert.equal(stale.code, 1, stale.stdout + stale.stderr);
  assert.match(
    stale.stderr + stale.stdout,
    /the crawler on worker1 \(an older or other build\) is not this checkout's build/,
  );
  assert.match(stale.stderr + stale.stdout, /npm run lab:up/);
  const redeploy = await labScript('up.ts', [], env);
  assert.equal(statusOf(redeploy.stdout, 'worker1', 'crawler-deploy'), 'changed', redeploy.stdout);
  const crawl = await labScript('crawl.ts', [], env);
  assert.equal(crawl.code, 0, crawl.stdout + crawl.stderr);
  assert.match(crawl.stdout, /matches the site's ground truth/);
});

/** Files named `name` below `dir`. */
function findFiles(dir: string, name: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f === name || f.endsWith(`/${name}`))
    .map((f) => join(dir, f));
}
