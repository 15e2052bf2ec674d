import { join } from 'node:path';
import { openLab } from '../../provision/lab.ts';
import { labEnv } from '../../provision/lab-env.ts';
import { requireOwnLab } from '../../provision/owner.ts';
import type { LabCommand } from './run-command.ts';

export async function down(): Promise<number> {
  // never another checkout's lab (same LAB_ID, another state folder)
  requireOwnLab(labEnv(), 'lab:down');
  const lab = await openLab({ log: (line) => console.log(line) });
  await lab.provider.down(lab.nodes);
  console.log(
    `stopped the ${lab.choice.name} lab (${lab.nodes.map((n) => n.name).join(', ')}): every process on its nodes ended, its network removed`,
  );
  console.log('kept:');
  // what stays depends on the machines: the provider says (Provider.keptOnDown)
  const kept = [...lab.provider.keptOnDown(), `the lab's passwords in ${join(lab.stateDir, 'secrets.json')}`];
  for (const line of kept) console.log(`  ${line}`);
  console.log(
    'come back with: npm run lab:up (only what is missing is redone), then npm run lab:crawl -- --resume',
  );
  console.log('remove everything instead: npm run lab:destroy');
  return 0;
}

export const downCommand: LabCommand = {
  name: 'down',
  usage: `npm run lab:down

Stop the lab's machines and keep their state: every process on the nodes ends,
the network goes, the disks stay. npm run lab:up brings it back and redoes only
what is missing (docs/lab-commands.md).`,
  run: () => down(),
};
