import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { LabNode } from '../../provision/types.ts';

/** Test helpers for the provider tests: nodes and "is anything of this lab left?" */

export function node(name: string, ip: string, role: LabNode['role'] = 'worker'): LabNode {
  return { name, role, ip, memoryMb: 512, cpus: 1 };
}

export const isRoot = process.getuid?.() === 0;

/** Everything a netns lab with this id could leave behind, as readable strings (empty = clean). */
export function leftovers(labId: string, stateDir: string): string[] {
  const tag = `clab-${labId}`;
  const found: string[] = [];
  if (existsSync('/run/netns'))
    for (const ns of readdirSync('/run/netns')) if (ns.startsWith(`${tag}-`)) found.push(`namespace ${ns}`);
  for (const dev of readdirSync('/sys/class/net'))
    if (dev === tag || dev.startsWith(`${tag}-`)) found.push(`link ${dev}`);
  for (const line of readFileSync('/proc/mounts', 'utf8').split('\n'))
    if (line.includes(tag) || line.includes(stateDir)) found.push(`mount ${line}`);
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      if (cmd.includes(tag) || cmd.includes(stateDir)) found.push(`process ${pid}: ${cmd}`);
    } catch {
      // ended while scanning
    }
  }
  if (existsSync(stateDir)) found.push(`folder ${stateDir}`);
  return found;
}

/** Host PIDs whose command line contains every marker (daemons started inside nodes). */
export function pidsWith(...markers: string[]): number[] {
  const out: number[] = [];
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      if (markers.every((m) => cmd.includes(m))) out.push(Number(pid));
    } catch {
      // ended while scanning
    }
  }
  return out;
}
