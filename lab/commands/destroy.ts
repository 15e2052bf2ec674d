import { openLab } from '../../provision/lab.ts';
import { labEnv } from '../../provision/lab-env.ts';
import { releaseLab, requireOwnLab } from '../../provision/owner.ts';
import { forgetCrawl } from '../items/crawls.ts';
import type { LabCommand } from './run-command.ts';

export async function destroy(): Promise<number> {
  const where = labEnv();
  // never another checkout's lab (same LAB_ID, another state folder)
  requireOwnLab(where, 'lab:destroy');
  const lab = await openLab();
  await lab.provider.destroy(lab.nodes);
  // the crawl record names items files that went with the nodes
  forgetCrawl(where.stateDir);
  releaseLab(where);
  console.log(`destroyed the ${lab.choice.name} lab (${lab.nodes.map((n) => n.name).join(', ')})`);
  return 0;
}

export const destroyCommand: LabCommand = {
  name: 'destroy',
  usage: `npm run lab:destroy

Remove everything the lab made: machines, networks, processes, node
filesystems. The lab's passwords stay in its state folder (.lab/).`,
  run: () => destroy(),
};
