import { spawn } from 'node:child_process';
import { relative } from 'node:path';
import { checkOutput, type ExpectResult, plain } from './expect.ts';
import type { Lesson, LessonStep } from './model.ts';

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

export function describeFailure(
  lesson: Lesson,
  f: StepFailure,
  number?: number,
  cwd = process.cwd(),
): string {
  const where = `${relative(cwd, lesson.file) || lesson.file}:${f.step.line}`;
  const tail = plain(f.output).trimEnd().split('\n').slice(-15).join('\n');
  const out = [`✗ step ${f.step.index} (${where}) did not give what the lesson shows.`];
  if (f.timedOut) out.push(`  it was still running after ${f.step.timeoutS} s and was stopped.`);
  else if (!f.expect) out.push(`  it exited ${f.exitCode}; the lesson expects exit ${f.step.exit}.`);
  else if (!f.expect.ok) {
    out.push(`  expected a line like:  ${f.expect.missing}`);
    out.push(
      f.expect.after === undefined
        ? '  (none of the expected lines appeared)'
        : `  after the line:        ${f.expect.after}`,
    );
  }
  out.push('  the command printed (last lines):', indent(tail || '(nothing)'));
  out.push(
    `  what to do: read "What can go wrong" at the end of ${relative(cwd, lesson.file) || lesson.file}, fix the cause,`,
    `  then continue from this step: npm run lab:lesson -- ${number ?? '<n>'} --from ${f.step.index}`,
  );
  return out.join('\n');
}

export async function runLesson(lesson: Lesson, o: RunLessonOptions): Promise<LessonRunResult> {
  const from = o.from ?? 1;
  let ran = 0;
  o.write(`\n${lesson.title}\n${'='.repeat(Math.min(60, lesson.title.length * 2))}\n`);
  if (lesson.sections.goal) o.write(`${lesson.sections.goal.trim()}\n`);
  for (const step of lesson.steps) {
    if (step.index < from) {
      o.write(`\n(step ${step.index} skipped: --from ${from})\n`);
      continue;
    }
    o.write(`\n── step ${step.index}/${lesson.steps.length} ──\n`);
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
      o.write(`\n${describeFailure(lesson, failure, o.number, o.cwd)}\n`);
      return { ok: false, ran, quit: false, failure };
    }
    o.write(`✓ step ${step.index}: ${step.expect.length ? 'the output is as the lesson shows' : 'done'}\n`);
  }
  if (lesson.sections.explanation) o.write(`\n${lesson.sections.explanation.trim()}\n`);
  o.write(`\n✓ ${lesson.title}: all ${lesson.steps.length} steps as expected.\n`);
  return { ok: true, ran, quit: false };
}
