import { formatDoctor, runDoctor } from '../../provision/doctor/run.ts';
import { openLab } from '../../provision/lab.ts';
import { ensureMongoServer } from './mongo-server.ts';
import type { LabCommand } from './run-command.ts';

export interface DoctorCommandOptions {
  json?: boolean;
  /** Install what the provider lab:up would pick needs, and build the MongoDB-protocol server, first. */
  fix?: boolean;
}

/**
 * lab:doctor: the checks (provision/doctor/), and with --fix what lab:up would
 * install on its own first: the chosen provider's host packages (root + apt,
 * each named; `auto` installs what the better providers lack before settling
 * for a lesser one) and the MongoDB-protocol server where Go can build it.
 */
export async function doctor(o: DoctorCommandOptions = {}): Promise<number> {
  if (o.fix) {
    const say = o.json ? (line: string) => console.error(line) : (line: string) => console.log(line);
    const lab = await openLab({ packages: 'install', log: say });
    say(`lab:doctor --fix: provider ${lab.choice.name} (${lab.choice.why}) has what it needs on this host`);
    await ensureMongoServer(lab);
  }
  const report = await runDoctor();
  console.log(o.json ? JSON.stringify(report, null, 2) : formatDoctor(report));
  return report.exitCode;
}

export const doctorCommand: LabCommand = {
  name: 'doctor',
  usage: `npm run lab:doctor [-- --fix] [--json]

Check this machine and lab.yaml before lab:up: Node, Vagrant and a hypervisor,
VirtualBox's host-only range, hypervisor conflicts, Apple Silicon, free RAM and
disk, namespaces, the local provider's tools, where the items will go, the labs
of other checkouts on this host. One line per check with the fix; exit 1 when a
check blocks the provider the lab would use (docs/doctor.md).

  --fix    first install what lab:up would install itself: the chosen provider's
           host packages (as root with apt, each named; lab.yaml host.install_packages:
           false forbids it and prints the command instead) and the MongoDB-protocol
           server (built with Go, once)
  --json   the report as JSON`,
  options: { json: { type: 'boolean' }, fix: { type: 'boolean' } },
  run: ({ values }) => doctor({ json: Boolean(values['json']), fix: Boolean(values['fix']) }),
};
