import { spawn } from 'node:child_process';
import { relative } from 'node:path';
import { checkOutput, type ExpectResult, plain } from './expect.ts';
import { RUNNER_TEXT } from './messages.ts';
import type { Lang, Lesson, LessonStep } from './model.ts';

/**
 * Runs a lesson: prints each step's lead, shows the command, waits for the
 * learner (unless `yes`), runs it with bash in the repository, streams what it
 * prints, then checks the exit status and the expected lines. The first
 * difference stops the lesson with what was expected, what came, and how to
 * continue from that step.
 */

export type Answer = 'run' | 'skip' | 'quit';

export interface RunLessonOptions {
  /** Run every step without asking. */
  yes: boolean;
  /** First step to run (1-based); earlier steps are listed, not run. */
  from?: number;
  /** Lesson number, for the "continue with" hint. */
  number?: number;
  /** Language of the runner's own lines (the lesson's text is in the lesson file). @default 'en' */
  lang?: Lang;
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Where the lesson's text and the commands' output go. */
  write: (text: string) => void;
  /** Asked before each step when not `yes`. */
  ask?: (step: LessonStep) => Promise<Answer>;
}

export interface StepFailure {
  step: LessonStep;
  exitCode: number;
  output: string;
  /** undefined when the exit status was wrong (the expectations were not checked). */
  expect: ExpectResult | undefined;
  timedOut: boolean;
}

export interface LessonRunResult {
  ok: boolean;
  ran: number;
  quit: boolean;
  failure?: StepFailure;
}

interface CommandResult {
  exitCode: number;
  output: string;
  timedOut: boolean;
}

/** bash -eo pipefail -c <block> in its own process group, so a timeout stops everything it started. */
export function runCommand(
  command: string,
  o: { cwd: string; env?: NodeJS.ProcessEnv; timeoutS: number; write: (t: string) => void },
): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-eo', 'pipefail', '-c', command], {
      cwd: o.cwd,
      env: o.env ?? process.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: string[] = [];
    const take = (b: Buffer) => {
      const s = b.toString('utf8');
      chunks.push(s);
      o.write(s);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    const group = (signal: NodeJS.Signals) => {
      try {
        if (child.pid) process.kill(-child.pid, signal);
      } catch {
        // the group has ended already
      }
    };
    let timedOut = false;
    let hard: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      group('SIGTERM');
      hard = setTimeout(() => group('SIGKILL'), 5000);
    }, o.timeoutS * 1000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (hard) clearTimeout(hard);
      // a block must not leave processes behind (daemons that detach, such as redis-server, are their own group)
      group('SIGTERM');
      resolve({ exitCode: code ?? (signal ? 128 : 1), output: chunks.join(''), timedOut });
    });
  });
}

const indent = (text: string, pad = '    ') =>
  text
    .split('\n')
    .map((l) => pad + l)
    .join('\n');

/** The command that runs a lesson again from a step, in the language it ran in. */
export function continueCommand(number: number | undefined, step: number, lang: Lang = 'en'): string {
  return `npm run lab:lesson -- ${number ?? '<n>'}${lang === 'en' ? '' : ` --lang ${lang}`} --from ${step}`;
}

export function describeFailure(
  lesson: Lesson,
  f: StepFailure,
  number?: number,
  cwd = process.cwd(),
  lang: Lang = 'en',
): string {
  const say = RUNNER_TEXT[lang];
  const file = relative(cwd, lesson.file) || lesson.file;
  const tail = plain(f.output).trimEnd().split('\n').slice(-15).join('\n');
  const out = [say.failed(f.step.index, `${file}:${f.step.line}`)];
  if (f.timedOut) out.push(`  ${say.timedOut(f.step.timeoutS)}`);
  else if (!f.expect) out.push(`  ${say.wrongExit(f.exitCode, f.step.exit)}`);
  else if (!f.expect.ok) {
    out.push(`  ${say.expectedLine(f.expect.missing)}`);
    out.push(`  ${f.expect.after === undefined ? say.noneAppeared : say.afterLine(f.expect.after)}`);
  }
  out.push(`  ${say.printed}`, indent(tail || say.nothing));
  out.push(`  ${say.whatToDo(file)}`, `  ${say.continueWith(continueCommand(number, f.step.index, lang))}`);
  return out.join('\n');
}

export async function runLesson(lesson: Lesson, o: RunLessonOptions): Promise<LessonRunResult> {
  const from = o.from ?? 1;
  const lang = o.lang ?? 'en';
  const say = RUNNER_TEXT[lang];
  let ran = 0;
  o.write(`\n${lesson.title}\n${'='.repeat(Math.min(60, lesson.title.length * 2))}\n`);
  if (lesson.sections.goal) o.write(`${lesson.sections.goal.trim()}\n`);
  for (const step of lesson.steps) {
    if (step.index < from) {
      o.write(`\n${say.skipped(step.index, from)}\n`);
      continue;
    }
    o.write(`\n${say.header(step.index, lesson.steps.length)}\n`);
    if (step.lead) o.write(`${step.lead}\n`);
    o.write(`\n${indent(step.command, '  $ ')}\n`);
    if (!o.yes && o.ask) {
      const answer = await o.ask(step);
      if (answer === 'quit') return { ok: true, ran, quit: true };
      if (answer === 'skip') continue;
    }
    const r = await runCommand(step.command, {
      cwd: o.cwd,
      ...(o.env ? { env: o.env } : {}),
      timeoutS: step.timeoutS,
      write: o.write,
    });
    ran++;
    const exitOk = !r.timedOut && (step.exit === 'any' || r.exitCode === step.exit);
    const expect = exitOk ? checkOutput(r.output, step.expect) : undefined;
    if (!exitOk || !expect?.ok) {
      const failure: StepFailure = {
        step,
        exitCode: r.exitCode,
        output: r.output,
        expect,
        timedOut: r.timedOut,
      };
      o.write(`\n${describeFailure(lesson, failure, o.number, o.cwd, lang)}\n`);
      return { ok: false, ran, quit: false, failure };
    }
    o.write(`${say.stepOk(step.index, step.expect.length > 0)}\n`);
  }
  if (lesson.sections.explanation) o.write(`\n${lesson.sections.explanation.trim()}\n`);
  o.write(`\n${say.allOk(lesson.title, lesson.steps.length)}\n`);
  return { ok: true, ran, quit: false };
}
