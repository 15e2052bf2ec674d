#!/usr/bin/env -S npx tsx
/**
 * npm run lab:doctor [-- --json] — check this machine and lab.yaml before
 * lab:up: Node, Vagrant and a hypervisor, VirtualBox's host-only range,
 * hypervisor conflicts, Apple Silicon, free RAM and disk, namespaces, the local
 * provider's tools. One line per check with the fix; exit 1 when a check
 * blocks the provider the lab would use (docs/doctor.md).
 */
import { argv } from 'zx';
import { formatDoctor, runDoctor } from '../../provision/doctor.ts';
import { isMain, runLabCommand } from './run.ts';

export async function doctorCommand(): Promise<number> {
  const report = await runDoctor();
  console.log(argv['json'] ? JSON.stringify(report, null, 2) : formatDoctor(report));
  return report.exitCode;
}

if (isMain(import.meta.url)) await runLabCommand('doctor', doctorCommand);
