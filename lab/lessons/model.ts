/**
 * A lesson as the runner sees it. The markdown files in docs/tutorial/<lang>/
 * ARE the source: prose, runnable command blocks (```sh lesson) and the lines
 * the command's output must contain (```text expect). Nothing is generated.
 */

export type Lang = 'en' | 'zh';
export const LANGS: readonly Lang[] = ['en', 'zh'];

/** The four sections every lesson has, by their heading in each language. */
export const SECTIONS = {
  goal: { en: 'Goal', zh: '目标' },
  steps: { en: 'Steps', zh: '步骤' },
  explanation: { en: 'Explanation', zh: '原理讲解' },
  problems: { en: 'What can go wrong', zh: '常见问题' },
} as const;

export type SectionId = keyof typeof SECTIONS;

/** The exit status a command block accepts: a number, or any. */
export type ExitExpectation = number | 'any';

export interface LessonStep {
  /** 1-based, in file order. */
  index: number;
  /** Prose between the previous step and this command (what the step does, shown before it runs). */
  lead: string;
  /** The bash text of the ```sh lesson block. */
  command: string;
  exit: ExitExpectation;
  /** Seconds before the runner stops the command (its whole process group). */
  timeoutS: number;
  /** Lines (with placeholders) that must appear, in this order, in the output. */
  expect: string[];
  /** 1-based line of the command block in the file, for messages. */
  line: number;
}

export interface Lesson {
  file: string;
  /** The text of the `# ` heading. */
  title: string;
  /** Section text by id (without its heading); missing sections are absent. */
  sections: Partial<Record<SectionId, string>>;
  /** Every `## ` heading, in order, as written. */
  headings: string[];
  steps: LessonStep[];
}

/** Defaults of a command block; an attribute on the fence overrides them (```sh lesson exit=1 timeout=900). */
export const STEP_DEFAULTS = { exit: 0, timeoutS: 600 } as const;
