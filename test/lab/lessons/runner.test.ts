import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Lang } from '../../../lab/lessons/model.ts';
import { parseLesson } from '../../../lab/lessons/parse.ts';
import { type Answer, runLesson } from '../../../lab/lessons/runner.ts';

/** The runner against small lessons whose commands are real `node -e` processes. */

const ROOT = join(import.meta.dirname, '..', '..', '..');

function lessonOf(steps: string): string {
  return `# Lesson 99 · Fake\n\n## Goal\n\nSee the runner work.\n\n## Steps\n\n${steps}\n\n## Explanation\n\nBecause.\n\n## What can go wrong\n\nNothing.\n`;
}

const GOOD = lessonOf(`First we count.

\`\`\`sh lesson
node -e "console.log('  pages   42  '); console.log('done in 1.5 s')"
\`\`\`

\`\`\`text expect
pages {n}
done in {x} s
\`\`\`

Then we fail on purpose.

\`\`\`sh lesson exit=3
node -e "console.error('broken'); process.exit(3)"
\`\`\`

\`\`\`text expect
broken
\`\`\``);

async function run(text: string, o: { ask?: () => Promise<Answer>; from?: number; lang?: Lang } = {}) {
  const out: string[] = [];
  const result = await runLesson(parseLesson(text, join(ROOT, 'docs/tutorial/en/99-fake.md')), {
    yes: !o.ask,
    number: 99,
    cwd: ROOT,
    write: (s) => out.push(s),
    ...(o.ask ? { ask: o.ask } : {}),
    ...(o.from ? { from: o.from } : {}),
    ...(o.lang ? { lang: o.lang } : {}),
  });
  return { result, text: out.join('') };
}

test('a lesson whose commands print what it shows runs every step and says so', async () => {
  const { result, text } = await run(GOOD);
  assert.deepEqual(result, { ok: true, ran: 2, quit: false });
  assert.match(text, /First we count\./);
  assert.match(text, /\$ node -e/);
  assert.match(text, /pages {3}42/, 'the command output is streamed as it came');
  assert.match(text, /✓ step 2: the output is as the lesson shows/);
  assert.match(text, /Because\./, 'the explanation is printed at the end');
});

test('an output that differs stops the lesson with the expected line, the last match, the output and how to continue', async () => {
  const bad = GOOD.replace('done in {x} s', 'items {n}');
  const { result, text } = await run(bad);
  assert.equal(result.ok, false);
  assert.equal(result.ran, 1);
  assert.equal(result.failure?.step.index, 1);
  assert.match(text, /✗ step 1 \(docs\/tutorial\/en\/99-fake\.md:\d+\) did not give what the lesson shows\./);
  assert.match(text, /expected a line like: {2}items \{n\}/);
  assert.match(text, /after the line: {8}pages 42/);
  assert.match(text, /the command printed \(last lines\):\n {6}pages {3}42/);
  assert.match(text, /npm run lab:lesson -- 99 --from 1/);
  assert.doesNotMatch(text, /step 2\/2/, 'later steps do not run');
});

test('a wrong exit status stops the lesson and names both statuses', async () => {
  const { result, text } = await run(GOOD.replace('exit=3', 'exit=0'));
  assert.equal(result.ok, false);
  assert.equal(result.failure?.exitCode, 3);
  assert.match(text, /it exited 3; the lesson expects exit 0\./);
  assert.match(text, /--from 2/);
});

test('a command still running after its timeout is stopped with its process group and reported', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'crawl-lab-lesson-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pidFile = join(dir, 'background.pid');
  // a background process of the command's group writes its pid, then would live a minute
  const slow = lessonOf(
    `\`\`\`sh lesson timeout=1\nnode -e "require('fs').writeFileSync(${JSON.stringify(pidFile).replaceAll('"', "'")}, String(process.pid)); setTimeout(() => {}, 60000)" & wait\n\`\`\``,
  );
  const { result, text } = await run(slow);
  assert.equal(result.ok, false);
  assert.equal(result.failure?.timedOut, true);
  assert.match(text, /still running after 1 s and was stopped/);
  const pid = Number(readFileSync(pidFile, 'utf8'));
  assert.ok(pid > 0, 'the background process started');
  // the group was signalled: the background process ends (poll with a generous deadline, no timing)
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  for (const deadline = Date.now() + 30_000; alive() && Date.now() < deadline; )
    await new Promise((r) => setTimeout(r, 100));
  assert.equal(alive(), false, `the background process ${pid} of the stopped command is still running`);
});

test('without --yes the learner is asked before each step and can skip or quit', async () => {
  const answers: Answer[] = ['skip', 'quit'];
  const { result, text } = await run(GOOD, { ask: async () => answers.shift()! });
  assert.deepEqual(result, { ok: true, ran: 0, quit: true });
  assert.doesNotMatch(text, /^broken$/m, 'the second command did not run');
});

test('--from starts at a later step', async () => {
  const { result, text } = await run(GOOD, { from: 2 });
  assert.deepEqual(result, { ok: true, ran: 1, quit: false });
  assert.match(text, /step 1 skipped: --from 2/);
});

test('npm run lab:lesson -- --file runs a lesson file and exits 1 with the report when it differs', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'crawl-lab-lesson-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'fake.md');
  writeFileSync(file, GOOD.replace('broken\n```', 'fixed\n```'));
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'scripts/lab/lesson.ts', '--file', file, '--yes'],
    {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stdout, /expected a line like: {2}fixed/);
  assert.match(r.stdout, /after the line: {8}\(none|\(none of the expected lines appeared\)/);
});

/** The runner's English phrases: none may appear in a run with --lang zh. */
const ENGLISH_RUNNER =
  /── step|✓ step|steps as expected|did not give|expected a line|after the line|the command printed|what to do|continue from|skipped: --from/;

test('with --lang zh the runner speaks Chinese: step headers, checks and the closing line (issue 12)', async () => {
  const { result, text } = await run(GOOD, { lang: 'zh' });
  assert.deepEqual(result, { ok: true, ran: 2, quit: false });
  assert.match(text, /── 第 1\/2 步 ──/);
  assert.match(text, /✓ 第 1 步：输出与课程所示一致/);
  assert.match(text, /✓ Lesson 99 · Fake：全部 2 步都符合预期。/);
  assert.doesNotMatch(text, ENGLISH_RUNNER);
  const skipped = await run(GOOD, { lang: 'zh', from: 2 });
  assert.match(skipped.text, /（第 1 步已跳过：--from 2）/);
  assert.doesNotMatch(skipped.text, ENGLISH_RUNNER);
});

test('with --lang zh a failing step is reported in Chinese, pointing to 常见问题 and continuing with --lang zh (issue 12)', async () => {
  const wrong = await run(GOOD.replace('done in {x} s', 'items {n}'), { lang: 'zh' });
  assert.equal(wrong.result.ok, false);
  assert.match(wrong.text, /✗ 第 1 步（docs\/tutorial\/en\/99-fake\.md:\d+）的结果与课程所示不符。/);
  assert.match(wrong.text, /应当出现这样一行：items \{n\}/);
  assert.match(wrong.text, /在这一行之后： +pages 42/);
  assert.match(wrong.text, /命令的输出（最后几行）：\n {6}pages {3}42/);
  assert.match(wrong.text, /怎么办：阅读 docs\/tutorial\/en\/99-fake\.md 末尾的"常见问题"/);
  assert.match(wrong.text, /然后从这一步继续：npm run lab:lesson -- 99 --lang zh --from 1/);
  assert.doesNotMatch(wrong.text, ENGLISH_RUNNER);
  const exit = await run(GOOD.replace('exit=3', 'exit=0'), { lang: 'zh' });
  assert.match(exit.text, /退出码是 3；课程要求的退出码是 0。/);
  const slow = await run(
    lessonOf('```sh lesson timeout=1\nnode -e "setTimeout(() => {}, 60000)" & wait\n```'),
    {
      lang: 'zh',
    },
  );
  assert.match(slow.text, /运行 1 秒后仍未结束，已被停止。/);
  assert.match(slow.text, /（没有输出）/);
});

test('npm run lab:lesson -- --lang zh reports a lesson that differs in Chinese (issue 12)', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'crawl-lab-lesson-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'fake.md');
  writeFileSync(file, GOOD.replace('broken\n```', 'fixed\n```'));
  const zh = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'scripts/lab/lesson.ts', '--file', file, '--yes', '--lang', 'zh'],
    { cwd: ROOT, encoding: 'utf8', timeout: 60_000 },
  );
  assert.equal(zh.status, 1, zh.stderr);
  assert.match(zh.stdout, /应当出现这样一行：fixed/, 'npm run lab:lesson -- --lang zh reports in Chinese');
  assert.match(zh.stdout, /（预期的行一行也没有出现）/);
});
