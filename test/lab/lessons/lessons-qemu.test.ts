import { test } from 'node:test';
import { LESSONS_LANG, runLessons } from '../../helpers/lessons.ts';
import { tempLab } from '../../helpers/netns-lab.ts';
import { qemuMissing, qemuThreeNodeYaml } from '../../helpers/qemu-lab.ts';

/**
 * The tutorial's machine lessons on real VMs (issue 11, section 4): the
 * lessons that install or configure Redis (4), deploy (6), crawl (7), look
 * inside Redis (8), kill and add workers mid-crawl (9) and clean up (10) run
 * with --yes on three Debian 12 VMs of the qemu provider (TCG here), exactly as
 * on the netns stand-ins (lessons-netns.test.ts): every command must give the
 * output its lesson shows. Lessons 1, 2, 3 and 5 touch no machine (a private
 * Redis, the crawl CLI) and run in the netns test only.
 *
 * Lab id `lsq`, 10.57.7.0/24 on the VMs' private network (carried over
 * loopback: the host has no route to it). Items go to JSON-lines files, as in
 * qemu-e2e.test.ts (FerretDB on an emulated master answers after the driver's
 * timeout). CI runs it as root with QEMU; without them it skips and says why.
 */
const CI = process.env['CI'] === 'true';
const why = qemuMissing();

// two list pages (about 200 pages), as on netns: under TCG a crawl is CPU-bound in the guests, and
// lesson 9's extra worker (a node process started over ssh in an emulated guest) needs the crawl to
// still run when it joins; with one list page the crawl was over first
const CONFIG = qemuThreeNodeYaml(
  '10.57.7',
  `
crawl: { list_pages: 2, concurrent_requests: 2, lease_timeout_s: 90 }
site: { latency_ms: 100 }
`,
);

const MACHINE_LESSONS = [4, 6, 7, 8, 9, 10] as const;

test(`the machine lessons (${MACHINE_LESSONS.join(', ')}) give the output they show when run with --yes on three qemu VMs (${LESSONS_LANG})`, {
  skip: (!CI && why) || false,
  timeout: 60 * 60_000,
}, async (t) => {
  if (why) throw new Error(`precondition missing under CI: ${why}`);
  const started = Date.now();
  const { env } = tempLab(t, { labId: 'lsq', yaml: CONFIG });
  await runLessons(MACHINE_LESSONS, env, (l) => t.diagnostic(l));
  t.diagnostic(`machine lessons on qemu VMs: ${((Date.now() - started) / 60_000).toFixed(1)} min`);
});
