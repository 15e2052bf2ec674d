import { redact } from '../common/redact.ts';
import type { StepReport } from './run-steps.ts';

/**
 * What lab:up prints: one line per step and node as it finishes, and, when a
 * step fails, a block naming the node, the step, the exact command (quoted as
 * a shell would need it), its exit code, the end of its stderr, the fix, and
 * how to resume. Pure functions: run-steps.ts and the scripts print them.
 */

/** Lines of stderr shown for a failed command. */
export const STDERR_TAIL_LINES = 20;

export const RESUME_LINE = 're-run npm run lab:up: every step resumes where it stopped';

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** `worker1    redis-tools-install    changed   4.2 s` (skipped steps say why). */
export function formatStepLine(report: StepReport): string {
  const why = report.status === 'skipped' && report.why ? ` (${report.why})` : '';
  return `${report.node.padEnd(10)} ${report.step.padEnd(22)} ${report.status.padEnd(8)} ${formatDuration(report.ms).padStart(8)}${why}`;
}

/** The last `n` non-empty-trailing lines of a command's stderr. */
export function tailLines(text: string, n = STDERR_TAIL_LINES): string[] {
  const lines = text.replace(/\s+$/, '').split('\n');
  return lines[0] === '' && lines.length === 1 ? [] : lines.slice(-n);
}

export interface StepFailure {
  node: string;
  step: string;
  ms: number;
  /** What went wrong, in one sentence (the error's message). */
  message: string;
  /** The failing command as one quoted shell line, when a command failed. */
  command?: string;
  exitCode?: number;
  stderr?: string;
  /** What to try. */
  hint?: string;
}

/** The failure block lab:up prints (secrets in URLs are redacted, as in every log line). */
export function formatStepFailure(f: StepFailure): string {
  const out = [`FAILED: ${f.node}, step ${f.step}, after ${formatDuration(f.ms)}: ${f.message}`];
  if (f.command !== undefined) {
    out.push(`  command: ${f.command}`);
    if (f.exitCode !== undefined) out.push(`  exit code: ${f.exitCode}`);
    const tail = tailLines(f.stderr ?? '');
    if (tail.length > 0) {
      out.push(`  stderr (last ${tail.length} line${tail.length === 1 ? '' : 's'}):`);
      out.push(...tail.map((l) => `    | ${l}`));
    } else out.push('  stderr: (empty)');
  }
  if (f.hint) out.push(`  fix: ${f.hint}`);
  out.push(`  ${RESUME_LINE}`);
  return redact(out.join('\n'));
}

/** The closing line of lab:up. */
export function formatUpSummary(reports: readonly StepReport[], ms: number): string {
  const changed = reports.filter((r) => r.status === 'changed').length;
  const skipped = reports.filter((r) => r.status === 'skipped').length;
  return `lab is up in ${formatDuration(ms)}: ${changed} step(s) changed something, ${reports.length - changed - skipped} already as wanted${skipped ? `, ${skipped} skipped` : ''}`;
}
