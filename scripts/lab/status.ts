#!/usr/bin/env -S npx tsx
/** npm run lab:status — each node: reachable or not, its services (site, workers) and their state. */
import { type Lab, masterOf, openLab, servicesOf } from '../../provision/lab.ts';
import { guardLabAddress } from '../../provision/net-guard.ts';
import { isMain, runLabCommand } from './run.ts';

/** The services lab:up and lab:crawl start on a node, by name. */
function servicesOn(lab: Lab, role: string): string[] {
  const master = role === 'master';
  return [
    ...(master && lab.config.crawl.target === 'mini-tieba' ? ['site'] : []),
    ...Array.from({ length: lab.config.crawl.workersPerNode }, (_, i) => `worker-${i + 1}`),
  ];
}

/** One line per node; `down` counts the nodes that do not answer. */
export async function statusLines(lab: Lab): Promise<{ lines: string[]; down: number }> {
  const lines = [`provider: ${lab.choice.name}`];
  // netns: without the lab's bridge the nodes' addresses are somebody else's; say so instead of probing
  const notUp = await guardLabAddress(lab, masterOf(lab).ip).then(
    () => undefined,
    (e: Error) => e.message,
  );
  let down = 0;
  for (const node of lab.nodes) {
    const t = lab.provider.transport(node);
    const alive =
      notUp === undefined &&
      (await t.run(['true'], { nothrow: true, timeoutMs: 10_000 }).then(
        (r) => r.exitCode === 0,
        () => false,
      ));
    if (!alive) {
      down++;
      lines.push(`  ${node.name.padEnd(10)} ${node.ip.padEnd(15)} not running (npm run lab:up)`);
      continue;
    }
    // the node's own service manager and paths (systemd on VMs; pidfiles in its layout elsewhere)
    const services = servicesOf(lab, t);
    const states = await Promise.all(
      servicesOn(lab, node.role).map(async (n) => {
        const s = await services.state(n);
        return `${n} ${s.state === 'exited' ? `exited ${s.code}` : s.state}`;
      }),
    );
    lines.push(`  ${node.name.padEnd(10)} ${node.ip.padEnd(15)} up   ${states.join(', ')}`);
  }
  if (notUp !== undefined) lines.push(notUp);
  return { lines, down };
}

export async function statusCommand(): Promise<number> {
  const lab = await openLab({ log: () => {} });
  const { lines, down } = await statusLines(lab);
  for (const line of lines) console.log(line);
  return down === 0 ? 0 : 1;
}

if (isMain(import.meta.url)) await runLabCommand('status', statusCommand);
