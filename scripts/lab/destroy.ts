#!/usr/bin/env -S npx tsx
/** npm run lab:destroy — remove everything the lab made (machines, networks, processes, node filesystems). Secrets stay in .lab/. */
import { openLab } from '../../provision/lab.ts';
import { runLabCommand } from './run.ts';

await runLabCommand('destroy', async () => {
  const lab = await openLab();
  await lab.provider.destroy(lab.nodes);
  console.log(`destroyed the ${lab.choice.name} lab (${lab.nodes.map((n) => n.name).join(', ')})`);
  return 0;
});
