/**
 * Regenerates the `lab:up --dry-run` plan snapshots (fixtures/plans/<name>.txt)
 * that plan.test.ts compares with, and prints the diff of each to review.
 * A command of its own, never a mode of the test: the test only reads them.
 *
 *   node --import tsx test/provision/update-plans.ts
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { REPO_ROOT } from '../../provision/lab-env.ts';
import { PLAN_CASES, PLANS, planOf } from './plan-support.ts';

const scratch = mkdtempSync(join(tmpdir(), 'crawl-lab-plans-'));
let changed = 0;
try {
  for (const [name, config] of PLAN_CASES) {
    const file = join(PLANS, `${name}.txt`);
    const { text } = await planOf(config);
    const before = existsSync(file) ? readFileSync(file, 'utf8') : '';
    if (before === text) {
      console.log(`${name}: unchanged`);
      continue;
    }
    changed++;
    const old = join(scratch, `${name}.txt`);
    writeFileSync(old, before);
    writeFileSync(file, text);
    const shown = relative(REPO_ROOT, file);
    const diff = spawnSync('diff', ['-u', '--label', `a/${shown}`, '--label', `b/${shown}`, old, file], {
      encoding: 'utf8',
    });
    console.log(`${name}: rewritten\n${diff.stdout}`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
console.log(
  changed
    ? `${changed} plan(s) rewritten: review the diff above before committing`
    : 'every plan is as its snapshot',
);
