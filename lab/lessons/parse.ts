import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../common/errors.ts';
import {
  type ExitExpectation,
  type Lang,
  type Lesson,
  type LessonStep,
  SECTIONS,
  type SectionId,
  STEP_DEFAULTS,
} from './model.ts';

/**
 * Markdown -> Lesson. Only three things are read: `#`/`##` headings, fenced
 * ```sh lesson blocks (commands) and ```text expect blocks (the expectation of
 * the command just before). Everything else is prose, shown as written.
 */

const FENCE = /^```(.*)$/;

function bad(file: string, line: number, problem: string, hint: string): ConfigError {
  return new ConfigError('CRAWL_E_USAGE', `${file}:${line}: ${problem}`, { hint });
}

function parseAttrs(file: string, line: number, info: string): { exit: ExitExpectation; timeoutS: number } {
  const out: { exit: ExitExpectation; timeoutS: number } = { ...STEP_DEFAULTS };
  for (const word of info.split(/\s+/).slice(2).filter(Boolean)) {
    const [key, value = ''] = word.split('=');
    if (key === 'exit' && (value === 'any' || /^\d{1,3}$/.test(value))) {
      out.exit = value === 'any' ? 'any' : Number(value);
    } else if (key === 'timeout' && /^\d{1,5}$/.test(value) && Number(value) > 0) {
      out.timeoutS = Number(value);
    } else {
      throw bad(
        file,
        line,
        `unknown command block attribute "${word}"`,
        'write exit=<number>|any or timeout=<seconds>, e.g. ```sh lesson exit=1 timeout=900',
      );
    }
  }
  return out;
}

export function parseLesson(text: string, file = '(lesson)'): Lesson {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const lesson: Lesson = { file, title: '', sections: {}, headings: [], steps: [] };
  const sectionByHeading = new Map<string, SectionId>();
  for (const [id, names] of Object.entries(SECTIONS) as [SectionId, Record<Lang, string>][])
    for (const name of Object.values(names)) sectionByHeading.set(name, id);
  let section: SectionId | undefined;
  let prose: string[] = [];
  let pending: LessonStep | undefined;
  const addSectionText = (t: string) => {
    if (section) lesson.sections[section] = `${lesson.sections[section] ?? ''}${t}\n`;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fence = FENCE.exec(line);
    if (fence) {
      const info = fence[1]!.trim();
      const start = i;
      const body: string[] = [];
      for (i++; i < lines.length && lines[i] !== '```'; i++) body.push(lines[i]!);
      if (i >= lines.length) throw bad(file, start + 1, 'code block never closed', 'end it with a line ```');
      addSectionText([line, ...body, '```'].join('\n'));
      const kind = info.split(/\s+/).slice(0, 2).join(' ');
      if (kind === 'sh lesson') {
        const attrs = parseAttrs(file, start + 1, info);
        pending = {
          index: lesson.steps.length + 1,
          lead: prose.join('\n').trim(),
          command: body.join('\n'),
          ...attrs,
          expect: [],
          line: start + 1,
        };
        lesson.steps.push(pending);
        prose = [];
      } else if (kind === 'text expect') {
        if (!pending || pending.expect.length > 0) {
          throw bad(
            file,
            start + 1,
            'an expect block must follow a ```sh lesson block',
            'put the expected output right after the command it belongs to',
          );
        }
        pending.expect = body.filter((l) => l.trim() !== '');
      } else {
        prose.push([line, ...body, '```'].join('\n'));
      }
      continue;
    }
    if (line.startsWith('# ') && !lesson.title) {
      lesson.title = line.slice(2).trim();
      continue;
    }
    if (line.startsWith('## ')) {
      const heading = line.slice(3).trim();
      lesson.headings.push(heading);
      section = sectionByHeading.get(heading);
      prose = [];
      pending = undefined;
      continue;
    }
    // a heading inside the steps (### 3. ...) starts a new step's lead
    if (line.startsWith('### ')) prose = [];
    if (section === 'steps') prose.push(line);
    addSectionText(line);
  }
  return lesson;
}

/** docs/tutorial/<lang>/NN-*.md for lesson n. */
export function lessonPath(tutorialDir: string, lang: Lang, n: number): string {
  const dir = join(tutorialDir, lang);
  const prefix = `${String(n).padStart(2, '0')}-`;
  const found = readdirSync(dir).filter((f) => f.startsWith(prefix) && f.endsWith('.md'));
  if (found.length !== 1) {
    const all = readdirSync(dir).filter((f) => /^\d\d-.*\.md$/.test(f));
    throw new ConfigError(
      'CRAWL_E_USAGE',
      `no lesson ${n} in ${dir} (${found.length} files start with ${prefix})`,
      {
        hint: `lessons: ${all.map((f) => Number(f.slice(0, 2))).join(', ')}`,
      },
    );
  }
  return join(dir, found[0]!);
}

export function loadLesson(path: string): Lesson {
  return parseLesson(readFileSync(path, 'utf8'), path);
}
