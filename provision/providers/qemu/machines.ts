import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LabNode } from '../../types.ts';
import type { VmFiles } from './argv.ts';
import { vmProcessName } from './argv.ts';

/**
 * The lab's VMs as processes and files: where each VM's overlay, pidfile, QMP
 * socket, console log and saved port forwards live (<state>/qemu/<node>.*),
 * whether a pid is really this lab's QEMU (its command line carries
 * crawl-lab-<labId>-<node>), and the memory check before anything boots.
 */

export interface VmRecord {
  /** guest port → host port on 127.0.0.1. */
  forwards: Record<number, number>;
  accel: string;
}

export function vmFiles(stateDir: string, node: string, image: { kernel: string; initrd: string }): VmFiles {
  return {
    overlay: join(stateDir, `${node}.qcow2`),
    kernel: image.kernel,
    initrd: image.initrd,
    pidfile: join(stateDir, `${node}.pid`),
    qmp: join(stateDir, `${node}.qmp`),
    console: join(stateDir, `${node}.console.log`),
  };
}

export const recordPath = (stateDir: string, node: string) => join(stateDir, `${node}.json`);

export function readRecord(stateDir: string, node: string): VmRecord | undefined {
  const file = recordPath(stateDir, node);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as VmRecord;
  } catch {
    return undefined;
  }
}

/** The pid of this lab's running QEMU for `node`, or undefined (no pidfile, dead, or somebody else's process). */
export function runningPid(stateDir: string, labId: string, node: string): number | undefined {
  const file = join(stateDir, `${node}.pid`);
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 1) return undefined;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes(`${vmProcessName(labId, node)},`) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A serial console as plain lines: systemd paints its boot status with colours
 * and cursor moves (ESC [ ... sequences, `\r`, `\x1b[K`) meant for a terminal;
 * printed again they would garble the reader's. Escape sequences and other
 * control characters go; each `\r`-overwritten line keeps its last state.
 */
export function plainConsole(raw: string): string {
  return raw
    .replace(/\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-_]/g, '')
    .split('\n')
    .map(
      (line) =>
        line
          .split('\r')
          .filter((part) => part.trim())
          .at(-1) ?? '',
    )
    .join('\n')
    .replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '');
}

/** The last `lines` lines of a VM's serial console (boot messages, login prompt, kernel panics). */
export async function consoleTail(file: string, lines: number): Promise<string> {
  if (!existsSync(file)) return '';
  const text = plainConsole(await readFile(file, 'utf8'));
  return text
    .split('\n')
    .filter((l) => l.trim())
    .slice(-lines)
    .join('\n');
}

/** MemAvailable from /proc/meminfo, in MB (undefined where there is no /proc). */
export function availableMemoryMb(meminfo?: string): number | undefined {
  let text = meminfo;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/meminfo', 'utf8');
    } catch {
      return undefined;
    }
  }
  const kb = /^MemAvailable:\s+(\d+) kB/m.exec(text)?.[1];
  return kb === undefined ? undefined : Math.floor(Number(kb) / 1024);
}

/** QEMU's own overhead per VM on top of the guest's memory, and what the host keeps for itself. */
export const VM_OVERHEAD_MB = 150;
export const HOST_RESERVE_MB = 512;

/** Why these VMs cannot start with `availableMb` free, or undefined when they fit. */
export function memoryShortfall(
  nodes: readonly LabNode[],
  availableMb: number | undefined,
): string | undefined {
  if (availableMb === undefined || nodes.length === 0) return undefined;
  const need = nodes.reduce((sum, n) => sum + n.memoryMb + VM_OVERHEAD_MB, 0);
  if (need + HOST_RESERVE_MB <= availableMb) return undefined;
  const each = nodes.map((n) => `${n.name} ${n.memoryMb} MB`).join(', ');
  return `starting ${nodes.length} VM(s) (${each}, plus ${VM_OVERHEAD_MB} MB QEMU overhead each) needs ${need} MB, but only ${availableMb} MB is available and ${HOST_RESERVE_MB} MB stays for this machine`;
}
