import { CrawlError, type ErrorDetails, isCrawlError } from '../common/errors.ts';
import { commandWords, secretEnvNote, shellLine } from './plan/render.ts';
import { formatStepFailure, formatStepLine, type StepFailure } from './progress.ts';
import { NodeCommandError } from './transports/errors.ts';
import { SCRIPT_ARGV } from './transports/exec.ts';
import type { LabNode, RunOptions, RunResult, Step, StepStatus, Transport } from './types.ts';

export interface StepReport {
  node: string;
  step: string;
  status: StepStatus['status'];
  why?: string;
  ms: number;
}

/**
 * A provisioning step failed on one node. `message` and `hint` are the cause's;
 * `explain()` prints the whole failure block (progress.ts): node, step, the
 * failing command quoted, its exit code, its stderr tail, the fix, how to resume.
 */
export class StepError extends CrawlError {
  readonly failure: StepFailure;
  constructor(failure: StepFailure, details: ErrorDetails = {}) {
    super('CRAWL_E_PROVISION', `${failure.node}, step ${failure.step}: ${failure.message}`, {
      ...details,
      node: failure.node,
      step: failure.step,
      ...(failure.hint === undefined ? {} : { hint: failure.hint }),
      ...(failure.command === undefined ? {} : { command: failure.command }),
      ...(failure.exitCode === undefined ? {} : { exitCode: failure.exitCode }),
    });
    this.failure = failure;
  }

  override explain(): string {
    return formatStepFailure(this.failure);
  }
}

/**
 * Run steps in order: each step on the master first, then on the workers in
 * parallel (the workers' steps need the master ready). A step checks before it
 * changes, so running everything again after a failure only does what is missing.
 */
export async function runSteps(
  steps: readonly Step[],
  nodes: readonly LabNode[],
  transportOf: (node: LabNode) => Transport,
  log: (line: string) => void,
): Promise<StepReport[]> {
  const reports: StepReport[] = [];
  const masters = nodes.filter((n) => n.role === 'master');
  const workers = nodes.filter((n) => n.role !== 'master');
  for (const step of steps) {
    for (const group of [masters, workers]) {
      const results = await Promise.all(
        group
          .filter((n) => step.appliesTo(n))
          .map((node) => runOne(step, node, nodes, transportOf(node), log)),
      );
      reports.push(...results);
    }
  }
  return reports;
}

/** The last command a step ran and how it ended, so a failure can name it. */
interface LastCommand {
  argv: readonly string[];
  env: Record<string, string>;
  exitCode: number | undefined;
  stderr: string;
}

/** Passes everything through and remembers the last command (the one a failing step most likely failed on). */
class TracingTransport implements Transport {
  readonly node: LabNode;
  last: LastCommand | undefined;
  readonly #inner: Transport;

  constructor(inner: Transport) {
    this.#inner = inner;
    this.node = inner.node;
  }

  run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    return this.#trace(argv, options.env, () => this.#inner.run(argv, options));
  }

  script(text: string, options: RunOptions = {}): Promise<RunResult> {
    return this.#trace(SCRIPT_ARGV, options.env, () => this.#inner.script(text, options));
  }

  async copy(localPath: string, remotePath: string): Promise<void> {
    await this.#trace(['rsync', '-a', localPath, `${this.node.name}:${remotePath}`], {}, async () => {
      await this.#inner.copy(localPath, remotePath);
      return { exitCode: 0, stdout: '', stderr: '' };
    });
  }

  close(): Promise<void> {
    return this.#inner.close();
  }

  async #trace(
    argv: readonly string[],
    env: Record<string, string> | undefined,
    body: () => Promise<RunResult>,
  ): Promise<RunResult> {
    const last: LastCommand = { argv, env: { ...env }, exitCode: undefined, stderr: '' };
    this.last = last;
    try {
      const r = await body();
      last.exitCode = r.exitCode;
      last.stderr = r.stderr;
      return r;
    } catch (error) {
      if (error instanceof NodeCommandError) {
        last.exitCode = error.exitCode;
        last.stderr = error.stderr;
      }
      throw error;
    }
  }
}

async function runOne(
  step: Step,
  node: LabNode,
  nodes: readonly LabNode[],
  transport: Transport,
  log: (line: string) => void,
): Promise<StepReport> {
  const started = Date.now();
  const traced = new TracingTransport(transport);
  try {
    const result = await step.run({
      node,
      transport: traced,
      nodes,
      log: (line) => log(`${node.name} ${step.id}: ${line}`),
    });
    const report: StepReport = {
      node: node.name,
      step: step.id,
      status: result.status,
      ms: Date.now() - started,
    };
    if (result.status === 'skipped') report.why = result.why;
    log(formatStepLine(report));
    return report;
  } catch (cause) {
    throw new StepError(failureOf(cause, step, node, traced.last, Date.now() - started), { cause });
  }
}

function failureOf(
  cause: unknown,
  step: Step,
  node: LabNode,
  last: LastCommand | undefined,
  ms: number,
): StepFailure {
  const failure: StepFailure = {
    node: node.name,
    step: step.id,
    ms,
    message: firstLine(cause instanceof Error ? cause.message : String(cause)),
  };
  // the command's own message repeats its argv and stderr, which the block shows below
  if (cause instanceof NodeCommandError)
    failure.message =
      cause.exitCode === -1 ? 'the command below could not start' : 'the command below failed';
  if (isCrawlError(cause) && cause.hint) failure.hint = cause.hint;
  const failed = cause instanceof NodeCommandError || (last?.exitCode !== undefined && last.exitCode !== 0);
  if (last && failed) {
    const planned = {
      kind: 'run' as const,
      argv: last.argv,
      env: last.env,
      internet: false,
      answer: { exitCode: 0, stdout: '', stderr: '' },
    };
    const env = secretEnvNote(planned, []);
    failure.command = `${shellLine(commandWords(planned, []))}${env ? `  # ${env}` : ''}`;
    if (last.exitCode !== undefined) failure.exitCode = last.exitCode;
    failure.stderr = last.stderr;
  }
  if (!failure.hint && failure.command !== undefined) {
    failure.hint =
      failure.exitCode === 127
        ? `the program ${last?.argv[0] ?? ''} is not installed on ${node.name}`
        : `read the stderr above; try the command by hand: npm run lab:ssh -- ${node.name} -- <command>`;
  }
  return failure;
}

/** A command's error message ends with its stderr, which the block shows in full: keep the first line, cut. */
function firstLine(text: string): string {
  const line = text.split('\n')[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}
