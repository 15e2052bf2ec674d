import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openLab } from '../../provision/lab.ts';
import { lessonPath, loadLesson } from '../../provision/lessons/parse.ts';
import { runLesson } from '../../provision/lessons/runner.ts';
import { TUTORIAL_DIR } from '../../scripts/lab/lesson.ts';

/**
 * The tutorial cannot rot: every lesson, 1 to 10 in order, runs with --yes on a
 * netns lab of its own (lab id `lsn`, 10.57.6.0/24, a temporary state folder),
 * and every command must give the output its lesson shows. Needs root for the
 * namespaces: skipped outside CI without root, never under CI.
 */
const isRoot = process.getuid?.() === 0;
const skip =
  !isRoot && process.env['CI'] !== 'true'
    ? 'needs root (network namespaces): run as root, as CI does'
    : false;

// small and slowed down, so the whole tutorial runs in a few minutes and lesson 9 can act mid-crawl
const CONFIG = `
provider: netns
network: { cidr: 10.57.6.0/24 }
nodes:
  - { name: master, role: master, ip: 10.57.6.10 }
  - { name: worker1, role: worker, ip: 10.57.6.11 }
  - { name: worker2, role: worker, ip: 10.57.6.12 }
crawl: { list_pages: 2, concurrent_requests: 2 }
site: { latency_ms: 100 }
mongodb: { enabled: false }
`;

const LESSON3_SOCKET = '/tmp/crawl-lab-lesson3.sock';

test('every lesson, 1 to 10, gives the output it shows when run with --yes on a netns lab', {
  skip,
  timeout: 900_000,
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'crawl-lab-lessons-'));
  const configPath = join(dir, 'lab.yaml');
  writeFileSync(configPath, CONFIG);
  const env = { ...process.env, LAB_CONFIG: configPath, LAB_ID: 'lsn', LAB_STATE: join(dir, 'state') };
  t.after(async () => {
    spawnSync('redis-cli', ['-s', LESSON3_SOCKET, 'shutdown', 'nosave'], { stdio: 'ignore' });
    const lab = await openLab({ configPath, labId: 'lsn', stateDir: join(dir, 'state'), log: () => {} });
    await lab.provider.destroy(lab.nodes).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });
  const transcript: string[] = [];
  for (let n = 1; n <= 10; n++) {
    const lesson = loadLesson(lessonPath(TUTORIAL_DIR, 'en', n));
    const started = Date.now();
    const result = await runLesson(lesson, {
      yes: true,
      number: n,
      cwd: join(TUTORIAL_DIR, '..', '..'),
      env,
      write: (s) => transcript.push(s),
    });
    const text = transcript.join('');
    transcript.length = 0;
    t.diagnostic(`lesson ${n}: ${result.ran} steps in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    assert.ok(result.ok, `lesson ${n} (${lesson.file}) stopped:\n${text.slice(-6000)}`);
    assert.equal(result.ran, lesson.steps.length);
  }
});
