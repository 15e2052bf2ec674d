import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { TUTORIAL_DIR } from '../../../lab/commands/lesson.ts';
import { DEMOS } from '../../../lab/lessons/demos.ts';
import { LANGS, SECTIONS } from '../../../lab/lessons/model.ts';
import { lessonPath, loadLesson, parseLesson } from '../../../lab/lessons/parse.ts';

const NUMBERS = Array.from({ length: 11 }, (_, i) => i + 1);
const TITLE = { en: (n: number) => `Lesson ${n} · `, zh: (n: number) => `第 ${n} 课 · ` };

test('every lesson 1 to 11 exists in English and Chinese with goal, steps, explanation and what can go wrong, in that order', () => {
  for (const n of NUMBERS) {
    for (const lang of LANGS) {
      const lesson = loadLesson(lessonPath(TUTORIAL_DIR, lang, n));
      assert.ok(lesson.title.startsWith(TITLE[lang](n)), `${lesson.file}: title "${lesson.title}"`);
      const wanted = Object.values(SECTIONS).map((s) => s[lang]);
      assert.deepEqual(lesson.headings, wanted, `${lesson.file}: sections`);
      assert.ok(lesson.steps.length > 0, `${lesson.file}: has runnable steps`);
      for (const id of Object.keys(SECTIONS) as (keyof typeof SECTIONS)[])
        assert.ok((lesson.sections[id] ?? '').trim().length > 20, `${lesson.file}: section ${id} has text`);
    }
  }
});

test('the English and Chinese versions of a lesson run the same commands with the same expectations, in the same order', () => {
  for (const n of NUMBERS) {
    const [en, zh] = LANGS.map((lang) => loadLesson(lessonPath(TUTORIAL_DIR, lang, n)));
    const shape = (l: typeof en) =>
      l!.steps.map(({ command, exit, timeoutS, expect }) => ({ command, exit, timeoutS, expect }));
    assert.deepEqual(shape(zh), shape(en), `lesson ${n}: zh differs from en`);
  }
});

test('every command that prints something checks at least one line of it, except clean-up steps', () => {
  for (const n of NUMBERS) {
    const lesson = loadLesson(lessonPath(TUTORIAL_DIR, 'en', n));
    for (const step of lesson.steps) {
      const cleanup = /^(rm |redis-cli -s \S+ shutdown)/m.test(step.command);
      assert.ok(step.expect.length > 0 || cleanup, `${lesson.file}:${step.line}: no expect block`);
    }
  }
});

test('the tutorial index links every lesson in both languages, and the README links the tutorial', () => {
  const index = readFileSync(join(TUTORIAL_DIR, 'README.md'), 'utf8');
  for (const n of NUMBERS)
    for (const lang of LANGS) {
      const file = lessonPath(TUTORIAL_DIR, lang, n);
      assert.ok(index.includes(`(${lang}/${file.split('/').pop()})`), `index links ${file}`);
    }
  const readme = readFileSync(join(TUTORIAL_DIR, '..', '..', 'README.md'), 'utf8');
  assert.match(readme, /\]\(docs\/tutorial\/README\.md\)/);
});

test('a lesson file with an expect block that follows no command, or an unknown fence attribute, is refused with its line', () => {
  assert.throws(
    () => parseLesson('# L\n\n## Steps\n\n```text expect\nx\n```\n', 'bad.md'),
    (e: Error & { code?: string }) =>
      e.code === 'CRAWL_E_USAGE' && /bad\.md:5: an expect block/.test(e.message),
  );
  assert.throws(
    () => parseLesson('# L\n\n## Steps\n\n```sh lesson exits=1\ntrue\n```\n', 'bad.md'),
    /bad\.md:5: unknown command block attribute "exits=1"/,
  );
  const ok = parseLesson('# L\n\n## Steps\n\nlead\n\n```sh lesson exit=any timeout=5\ntrue\n```\n', 'ok.md');
  assert.deepEqual(
    ok.steps.map((s) => [s.lead, s.command, s.exit, s.timeoutS, s.line]),
    [['lead', 'true', 'any', 5, 7]],
  );
});

test('lesson 1 shows exactly what `ls crawler` prints, and its table names every folder of crawler/ (issue 12)', () => {
  const root = join(TUTORIAL_DIR, '..', '..');
  const ls = spawnSync('ls', ['crawler'], { cwd: root, encoding: 'utf8' });
  assert.equal(ls.status, 0, ls.stderr);
  const entries = ls.stdout.split('\n').filter(Boolean);
  const folders = readdirSync(join(root, 'crawler'), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name);
  for (const lang of LANGS) {
    const lesson = loadLesson(lessonPath(TUTORIAL_DIR, lang, 1));
    const step = lesson.steps[0]!;
    assert.equal(step.command, 'ls crawler', `${lesson.file}: step 1 runs ls crawler`);
    assert.deepEqual(step.expect, entries, `${lesson.file}: the expect block is the whole listing`);
    const text = readFileSync(lesson.file, 'utf8');
    for (const folder of folders)
      assert.ok(text.includes(`\`crawler/${folder}/`), `${lesson.file}: the table names crawler/${folder}/`);
  }
});

/** A lesson's prose: everything outside fenced code blocks (commands and their output stay in English). */
const prose = (text: string) => text.replace(/^```[^\n]*\n[\s\S]*?^```$/gm, '');

test('"lease" is 租约 in every Chinese lesson, never another word (issue 12)', () => {
  for (const n of NUMBERS) {
    const [en, zh] = LANGS.map((lang) => prose(readFileSync(lessonPath(TUTORIAL_DIR, lang, n), 'utf8')));
    const file = lessonPath(TUTORIAL_DIR, 'zh', n);
    const other = /租借|租用|出租|租赁/.exec(zh!)?.[0];
    assert.equal(other, undefined, `${file}: says ${other}; lease is 租约`);
    if (/\blease/i.test(en!.replace(/`[^`]*`/g, '')))
      assert.ok(
        zh!.includes('租约'),
        `${file}: the English lesson speaks of leases, the Chinese one must say 租约`,
      );
  }
});

test('no lesson hides a command a student could type: the only helpers left are lesson 9 mid-crawl experiments, and each shows and prints its real command (issue 12)', () => {
  for (const n of NUMBERS) {
    for (const lang of LANGS) {
      const lesson = loadLesson(lessonPath(TUTORIAL_DIR, lang, n));
      const text = readFileSync(lesson.file, 'utf8');
      for (const step of lesson.steps) {
        for (const [, name] of step.command.matchAll(/lab:lesson -- --demo (\S+)/g)) {
          const where = `${lesson.file}:${step.line}`;
          assert.ok(
            (DEMOS as readonly string[]).includes(name!),
            `${where}: --demo ${name} hides a real command`,
          );
          assert.ok(
            step.expect.some((l) => l.startsWith('$ npm run lab:ssh -- ')),
            `${where}: the expect block checks that --demo ${name} prints the command it runs`,
          );
          assert.ok(
            /^```sh\nnpm run lab:ssh -- \S+ -- /m.test(text),
            `${where}: the text shows the command in a sh block`,
          );
        }
      }
    }
  }
  // the issue's own example: lesson 4's worker pings the master with redis-cli, in plain sight
  const lesson4 = loadLesson(lessonPath(TUTORIAL_DIR, 'en', 4));
  assert.ok(lesson4.steps.some((s) => /npm run lab:ssh -- worker1 -- redis-cli -h \S+ ping/.test(s.command)));
});
