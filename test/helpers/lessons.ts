import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TUTORIAL_DIR } from '../../lab/commands/lesson.ts';
import type { Lang } from '../../lab/lessons/model.ts';
import { lessonPath, loadLesson } from '../../lab/lessons/parse.ts';
import { runLesson } from '../../lab/lessons/runner.ts';

/** The Chinese lessons run the same commands (structure.test.ts); CRAWL_LAB_LESSONS_LANG=zh runs them with the runner's Chinese lines. */
export const LESSONS_LANG: Lang = process.env['CRAWL_LAB_LESSONS_LANG'] === 'zh' ? 'zh' : 'en';

/**
 * Runs the given lessons in order with --yes, as `npm run lab:lesson -- N --yes`
 * does, against the lab that `env` names (LAB_CONFIG, LAB_ID, LAB_STATE); every
 * command must give the output its lesson shows. Reports each lesson's steps and
 * seconds through `diagnostic`; returns the seconds per lesson.
 */
export async function runLessons(
  numbers: readonly number[],
  env: NodeJS.ProcessEnv,
  diagnostic: (line: string) => void,
  lang: Lang = LESSONS_LANG,
): Promise<Record<number, number>> {
  const seconds: Record<number, number> = {};
  // the lessons write their logs to "${TMPDIR:-/tmp}": a folder of this run's own, so two
  // tutorials on two labs (netns and qemu, side by side in CI) never share a file
  const tmp = mkdtempSync(join(tmpdir(), 'crawl-lab-lessons-'));
  const runEnv = { ...env, TMPDIR: tmp };
  try {
    return await runEach(numbers, runEnv, diagnostic, lang, seconds);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

async function runEach(
  numbers: readonly number[],
  env: NodeJS.ProcessEnv,
  diagnostic: (line: string) => void,
  lang: Lang,
  seconds: Record<number, number>,
): Promise<Record<number, number>> {
  for (const n of numbers) {
    const lesson = loadLesson(lessonPath(TUTORIAL_DIR, lang, n));
    const transcript: string[] = [];
    const started = Date.now();
    const result = await runLesson(lesson, {
      yes: true,
      number: n,
      lang,
      cwd: join(TUTORIAL_DIR, '..', '..'),
      env,
      write: (s) => transcript.push(s),
    });
    seconds[n] = (Date.now() - started) / 1000;
    diagnostic(`lesson ${n}: ${result.ran} steps in ${seconds[n].toFixed(1)} s`);
    assert.ok(result.ok, `lesson ${n} (${lesson.file}) stopped:\n${transcript.join('').slice(-6000)}`);
    assert.equal(result.ran, lesson.steps.length);
  }
  return seconds;
}
