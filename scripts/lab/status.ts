#!/usr/bin/env -S npx tsx
/** npm run lab:status — each node: reachable or not, its services (site, workers) and their state. */
import { openLab } from '../../provision/lab.ts';
import { serviceState } from '../../provision/services.ts';
import { isMain, runLabCommand } from './run.ts';

export async function statusCommand(): Promise<number> {
  const lab = await openLab({ log: () => {} });
  console.log(`provider: ${lab.choice.name}`);
  let down = 0;
  for (const node of lab.nodes) {
    const t = lab.provider.transport(node);
    const alive = await t.run(['true'], { nothrow: true, timeoutMs: 10_000 }).then(
      (r) => r.exitCode === 0,
      () => false,
    );
    if (!alive) {
      down++;
      console.log(`  ${node.name.padEnd(10)} ${node.ip.padEnd(15)} not running (npm run lab:up)`);
      continue;
    }
    const names = [
      ...(node.role === 'master' ? ['site'] : []),
      ...Array.from({ length: lab.config.crawl.workersPerNode }, (_, i) => `worker-${i + 1}`),
    ];
    const states = await Promise.all(
      names.map(async (n) => {
        const s = await serviceState(t, n);
        return `${n} ${s.state === 'exited' ? `exited ${s.code}` : s.state}`;
      }),
    );
    console.log(`  ${node.name.padEnd(10)} ${node.ip.padEnd(15)} up   ${states.join(', ')}`);
  }
  return down === 0 ? 0 : 1;
}

if (isMain(import.meta.url)) await runLabCommand('status', statusCommand);
