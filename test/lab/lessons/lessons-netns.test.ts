import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { LESSONS_LANG, runLessons } from '../../helpers/lessons.ts';
import { netnsSkip, tempLab, threeNodeYaml } from '../../helpers/netns-lab.ts';

/**
 * The tutorial cannot rot: every lesson, 1 to 10 in order, runs with --yes on a
 * netns lab of its own (lab id `lsn`, 10.57.6.0/24, a temporary state folder),
 * and every command must give the output its lesson shows. Needs root for the
 * namespaces: skipped outside CI without root, never under CI.
 */
const skip = netnsSkip();

// small and slowed down, so the whole tutorial runs in a few minutes and lesson 9 can act mid-crawl
const CONFIG = threeNodeYaml(
  '10.57.6',
  `
crawl: { list_pages: 2, concurrent_requests: 2 }
site: { latency_ms: 100 }
mongodb: { enabled: false }
`,
);

const LESSON3_SOCKET = '/tmp/crawl-lab-lesson3.sock';

test(`every lesson, 1 to 10, gives the output it shows when run with --yes on a netns lab (${LESSONS_LANG})`, {
  skip,
  // about 8 min on an idle 2-core host; lesson 4 now runs ~20 real npm commands, and a loaded host doubles it
  timeout: 1_800_000,
}, async (t) => {
  t.after(() => {
    spawnSync('redis-cli', ['-s', LESSON3_SOCKET, 'shutdown', 'nosave'], { stdio: 'ignore' });
  });
  // the lessons bring the lab up through lab commands; cleanup opens it here to destroy it
  const { env } = tempLab(t, { labId: 'lsn', yaml: CONFIG });
  await runLessons([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], env, (l) => t.diagnostic(l));
});
