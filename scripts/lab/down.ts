#!/usr/bin/env -S npx tsx
/**
 * npm run lab:down — stop the lab's machines and keep their state: every
 * process on the nodes ends, the network goes, the disks stay (netns: each
 * node's root filesystem with what lab:up installed). `npm run lab:up` brings
 * it back and redoes only what is missing. docs/lab-commands.md.
 */
import { join } from 'node:path';
import { openLab } from '../../provision/lab.ts';
import { isMain, runLabCommand } from './run.ts';

/** What stays after down, per provider, for the learner to know what comes back. */
function kept(provider: string, stateDir: string): string[] {
  const secrets = `the lab's passwords in ${join(stateDir, 'secrets.json')}`;
  if (provider === 'netns')
    return [
      `each node's root filesystem (installed packages, redis.conf, the crawler, Redis's data) in ${join(stateDir, 'netns', 'rootfs')}`,
      secrets,
    ];
  if (provider === 'local') return [`each node's folder in ${join(stateDir, 'nodes')}`, secrets];
  return ["the machines' disks", secrets];
}

export async function downCommand(): Promise<number> {
  const lab = await openLab({ log: (line) => console.log(line) });
  const { stateDir } = lab;
  await lab.provider.down(lab.nodes);
  console.log(
    `stopped the ${lab.choice.name} lab (${lab.nodes.map((n) => n.name).join(', ')}): every process on its nodes ended, its network removed`,
  );
  console.log('kept:');
  for (const line of kept(lab.choice.name, stateDir)) console.log(`  ${line}`);
  console.log(
    'come back with: npm run lab:up (only what is missing is redone), then npm run lab:crawl -- --resume',
  );
  console.log('remove everything instead: npm run lab:destroy');
  return 0;
}

if (isMain(import.meta.url)) await runLabCommand('down', downCommand);
