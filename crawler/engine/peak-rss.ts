import { readFileSync } from 'node:fs';

/**
 * This process's peak resident memory in MB. On Linux getrusage's maxRSS is
 * carried over from the parent across fork and exec, so a worker spawned by a
 * large launcher reported the launcher's size; /proc/self/status VmHWM is this
 * process's own high-water mark. Elsewhere maxRSS is what there is.
 */
export function peakRssMb(): number {
  try {
    const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (hwm) return Math.round(Number(hwm[1]) / 1024);
  } catch {
    // not Linux
  }
  return Math.round(process.resourceUsage().maxRSS / 1024);
}
