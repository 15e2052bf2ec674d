import { formatDoctor, runDoctor } from '../../provision/doctor/run.ts';
import type { LabCommand } from './run-command.ts';

export async function doctor(o: { json?: boolean } = {}): Promise<number> {
  const report = await runDoctor();
  console.log(o.json ? JSON.stringify(report, null, 2) : formatDoctor(report));
  return report.exitCode;
}

export const doctorCommand: LabCommand = {
  name: 'doctor',
  usage: `npm run lab:doctor [-- --json]

Check this machine and lab.yaml before lab:up: Node, Vagrant and a hypervisor,
VirtualBox's host-only range, hypervisor conflicts, Apple Silicon, free RAM and
disk, namespaces, the local provider's tools, the labs of other checkouts on
this host. One line per check with the fix;
exit 1 when a check blocks the provider the lab would use (docs/doctor.md).

  --json   the report as JSON`,
  options: { json: { type: 'boolean' } },
  run: ({ values }) => doctor({ json: Boolean(values['json']) }),
};
