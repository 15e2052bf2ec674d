import { test } from 'node:test';
import { LESSONS_LANG, runLessons } from '../../helpers/lessons.ts';
import { netnsSkip, tempLab, threeNodeYaml } from '../../helpers/netns-lab.ts';

/**
 * Lesson 11 (issue 17), the article's code and what it loses, runs with --yes
 * on a netns lab of its own (lab id `srl`, 10.57.22.0/24, the subnet of
 * test/lab/scrapy-redis-netns.test.ts: both are in the same lane, one file at
 * a time) with MongoDB, as a learner's lab after lesson 10: the lesson brings
 * the lab up itself and destroys it at the end. The site answers after 300 ms
 * and each worker keeps 2 requests in flight, so the kill lands mid-crawl.
 */
const skip = netnsSkip({ mongo: true });

const CONFIG = threeNodeYaml(
  '10.57.22',
  `
crawl: { list_pages: 2, concurrent_requests: 2 }
site: { latency_ms: 300 }
`,
);

test(`lesson 11 gives the output it shows when run with --yes on a netns lab (${LESSONS_LANG})`, {
  skip,
  timeout: 2_400_000,
}, async (t) => {
  const { env } = tempLab(t, { labId: 'srl', yaml: CONFIG });
  await runLessons([11], env, (l) => t.diagnostic(l));
});
