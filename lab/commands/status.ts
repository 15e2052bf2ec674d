import { ConfigError } from 'crawl-lab';
import { printLine } from '../../common/terminal.ts';
import { hostRedisCa, type Lab, masterOf, openLab, servicesOf } from '../../provision/lab.ts';
import type { LabCommand } from './run-command.ts';

/** The services lab:up and lab:crawl start on a node, by name. */
function servicesOn(lab: Lab, role: string): string[] {
  const master = role === 'master';
  return [
    ...(master && lab.config.crawl.target === 'mini-tieba' ? ['site'] : []),
    ...Array.from({ length: lab.config.crawl.workersPerNode }, (_, i) => `worker-${i + 1}`),
  ];
}

function reachable(
  lab: Lab,
  node: Lab['nodes'][number],
): ReturnType<Lab['provider']['transport']> | undefined {
  try {
    return lab.provider.transport(node);
  } catch {
    return undefined;
  }
}

/** How clients reach the master's Redis (from lab.yaml and the recorded mode; nothing is dialled). */
export function redisModeLine(lab: Pick<Lab, 'config' | 'stateDir'>): string {
  const { redis } = lab.config;
  if (redis.articleExact) return `redis: plain TCP on port ${redis.port}, no password (article_exact)`;
  const ca = hostRedisCa(lab);
  if (ca) return `redis: TLS only (rediss://) on port ${redis.port}, lab CA ${ca}`;
  return `redis: plain TCP on port ${redis.port} (redis.tls: false)`;
}

/** One line per node; `down` counts the nodes that do not answer. */
export async function statusLines(lab: Lab): Promise<{ lines: string[]; down: number }> {
  const lines = [`provider: ${lab.choice.name}`, redisModeLine(lab)];
  // the provider's network guard: where its machines do not hold the addresses, say so instead of probing
  const notUp = await lab.provider.hostEndpoint(masterOf(lab), lab.config.redis.port).then(
    () => undefined,
    (e: Error) => e.message,
  );
  let down = 0;
  for (const node of lab.nodes) {
    // no transport yet (a VM lab never brought up, or destroyed: no ssh_config): not running either
    const t = reachable(lab, node);
    const alive =
      t !== undefined &&
      notUp === undefined &&
      (await t.run(['true'], { nothrow: true, timeoutMs: 10_000 }).then(
        (r) => r.exitCode === 0,
        () => false,
      ));
    if (!alive || t === undefined) {
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

export async function status(): Promise<number> {
  const lab = await openLab({ log: () => {} });
  const { lines, down } = await statusLines(lab);
  for (const line of lines) printLine(line);
  return down === 0 ? 0 : 1;
}

export async function logs(o: { node?: string; service?: string; lines?: number }): Promise<number> {
  const lab = await openLab({ log: () => {} });
  const service = o.service ?? 'worker-1';
  const nodes = o.node ? lab.nodes.filter((n) => n.name === o.node) : lab.nodes;
  if (nodes.length === 0) {
    throw new ConfigError('CRAWL_E_USAGE', `no node named "${o.node}"`, {
      hint: `nodes: ${lab.nodes.map((n) => n.name).join(', ')}`,
    });
  }
  for (const node of nodes) {
    printLine(`== ${node.name}: ${service}`);
    // logs the provider keeps itself (qemu: the VM's serial console), read on this host
    const own = await lab.provider.extraLog?.(node, service, o.lines ?? 40);
    if (own !== undefined) {
      printLine(own.trimEnd() || '(no log yet)');
      continue;
    }
    // the node's service manager reads the log where its layout keeps it (local: <node>/log/)
    const log = await servicesOf(lab, lab.provider.transport(node)).log(service, o.lines ?? 40);
    printLine(log.trimEnd() || '(no log yet)');
  }
  return 0;
}

export const statusCommand: LabCommand = {
  name: 'status',
  usage: `npm run lab:status

How clients reach Redis (TLS or plain TCP); each node: reachable or not,
its services (site, workers) and their state. Exit 1 when a node does not answer.`,
  run: () => status(),
};

export const logsCommand: LabCommand = {
  name: 'logs',
  usage: `npm run lab:logs [-- <node> [service] [--lines N]]

The last lines of a node's worker log (or another service's: site, mongo,
worker-2, ...); every node's without a name. On qemu VMs, \`console\` is the
VM's serial console (boot messages, kernel errors).

  --lines N   how many lines (default 40)`,
  options: { lines: { type: 'string' } },
  positionals: true,
  run: ({ values, positionals }) => {
    const raw = values['lines'];
    const lines = raw === undefined ? undefined : Number(raw);
    if (lines !== undefined && (!Number.isInteger(lines) || lines < 1))
      throw new ConfigError(
        'CRAWL_E_USAGE',
        `--lines must be a whole number above 0, got ${JSON.stringify(raw)}`,
        {
          hint: 'e.g. npm run lab:logs -- master site --lines 100',
        },
      );
    const [node, service] = positionals;
    return logs({
      ...(node ? { node } : {}),
      ...(service ? { service } : {}),
      ...(lines ? { lines } : {}),
    });
  },
};
