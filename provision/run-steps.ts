import { CrawlError, describeError, isCrawlError } from '../crawler/errors.ts';
import type { LabNode, Step, StepStatus, Transport } from './types.ts';

export interface StepReport {
  node: string;
  step: string;
  status: StepStatus['status'];
  why?: string;
  ms: number;
}

/** A provisioning step failed on one node: names the node, the step, the command's error and what to try. */
export class StepError extends CrawlError {}

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

async function runOne(
  step: Step,
  node: LabNode,
  nodes: readonly LabNode[],
  transport: Transport,
  log: (line: string) => void,
): Promise<StepReport> {
  const started = Date.now();
  try {
    const result = await step.run({
      node,
      transport,
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
    log(
      `${node.name.padEnd(10)} ${step.id.padEnd(22)} ${result.status}${result.status === 'skipped' ? ` (${result.why})` : ''}`,
    );
    return report;
  } catch (cause) {
    const hint =
      isCrawlError(cause) && cause.hint
        ? cause.hint
        : 'run the same command again: every step resumes where it stopped';
    throw new StepError(
      'CRAWL_E_PROVISION',
      `${node.name}, step ${step.id}: ${describeError(cause).replace(/^\w+Error: /, '')}`,
      {
        cause,
        node: node.name,
        step: step.id,
        hint,
      },
    );
  }
}
