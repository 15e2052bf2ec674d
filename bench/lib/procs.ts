import { readdirSync, readFileSync } from 'node:fs';
import { $ } from 'zx';

/**
 * Measuring the processes of a benchmark's lab from outside: its workers and
 * its MongoDB-protocol server are services of a local lab (grandchildren of
 * nobody we hold), found by a word of their command line: the lab's state
 * folder, which every one of them names.
 */

/** /proc/<pid>/stat from field 3 (state) on; the command name may hold spaces, so split after ')'. */
function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** Processes whose command line contains every one of `words`: pid and argv. */
export function processesWith(...words: string[]): { pid: number; argv: string[] }[] {
  const out: { pid: number; argv: string[] }[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      const line = argv.join(' ');
      if (words.every((w) => line.includes(w))) out.push({ pid: Number(name), argv });
    } catch {} // a process that ended while we looked
  }
  return out;
}

const clockTicks = Number((await $`getconf CLK_TCK`.quiet()).stdout.trim()) || 100;

/** User + system CPU of a process (all its threads) so far, ms. */
export function cpuMsOf(pid: number): number {
  const f = statFields(pid);
  return ((Number(f[11]) + Number(f[12])) * 1000) / clockTicks;
}

/**
 * Peak RSS of each worker of a lab, MB: VmHWM sampled twice a second while
 * the crawl runs (a worker's own maxRSS would carry its launcher's size).
 */
export function sampleWorkerPeaks(stateDir: string): { stop(): Map<string, number> } {
  const peaks = new Map<string, number>();
  const sample = () => {
    for (const { pid, argv } of processesWith('crawl.mjs', '--worker-id', stateDir)) {
      const id = argv[argv.indexOf('--worker-id') + 1];
      if (!id) continue;
      try {
        const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
        if (hwm) peaks.set(id, Math.max(peaks.get(id) ?? 0, Math.round(Number(hwm[1]) / 1024)));
      } catch {}
    }
  };
  const timer = setInterval(sample, 500);
  return {
    stop() {
      clearInterval(timer);
      return peaks;
    },
  };
}

/**
 * A process's main thread so far, from /proc/<pid>/task/<pid>/schedstat: time on
 * a CPU and time runnable but waiting for one (the run queue), ms. Linux only
 * (needs schedstats, on in stock kernels); undefined where it cannot be read.
 */
export function mainThreadSchedOf(pid: number): { onCpuMs: number; runQueueMs: number } | undefined {
  try {
    const [onCpu, waiting] = readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8')
      .split(' ')
      .map(Number);
    if (!Number.isFinite(onCpu) || !Number.isFinite(waiting)) return undefined;
    return { onCpuMs: onCpu! / 1e6, runQueueMs: waiting! / 1e6 };
  } catch {
    return undefined;
  }
}
