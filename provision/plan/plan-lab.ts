import type { LabConfig } from '../config/index.ts';
import { labNodes } from '../config/index.ts';
import { type Lab, labSteps } from '../lab.ts';
import { labEnv } from '../lab-env.ts';
import type { LabTlsPem } from '../redis-tls.ts';
import type { LabSecrets } from '../state.ts';
import type { LabNode, Provider, ProviderInfo, Step, StepStatus } from '../types.ts';
import { debianPackageFiles, FreshMachine, OS_RELEASE } from './fresh-machine.ts';
import { type PlannedCommand, PlanTransport } from './plan-transport.ts';
import { type Redaction, redactText, renderCommand } from './render.ts';

/**
 * `lab:up --dry-run`: the provider's own plan, then every command each step
 * would run on each node of a FRESH lab, in lab:up's order. The steps run
 * unchanged against PlanTransport (records, runs nothing) answering like a
 * fresh machine (plan/fresh-machine.ts). The real secrets are never loaded:
 * the steps get placeholder passwords that the text shows as <redis-password>.
 */

/** Passwords the planned steps get instead of the real ones (valid lab passwords, so the steps accept them). */
export const PLAN_SECRETS: LabSecrets = {
  redisPassword: 'PlanRedisPassword0',
  redisAdminPassword: 'PlanRedisAdminPassword0',
  mongoPassword: 'PlanMongoPassword0',
};

/** redis.tls: what a plan writes instead of the lab's certificates and key (no CA is made for a plan). */
export const PLAN_TLS: LabTlsPem = {
  caCert: '<the lab CA certificate, made by lab:up in LAB_STATE/tls/ca.crt>\n',
  serverCert: "<the master's Redis certificate, made by lab:up>\n",
  serverKey: "<the master's Redis private key, made by lab:up (never shown)>\n",
};

export const PLAN_REDACTIONS: readonly Redaction[] = [
  { secret: PLAN_SECRETS.redisPassword, placeholder: '<redis-password>' },
  { secret: PLAN_SECRETS.redisAdminPassword, placeholder: '<redis-admin-password>' },
  { secret: PLAN_SECRETS.mongoPassword, placeholder: '<mongo-password>' },
];

/**
 * Steps that do part of their work from this host outside the node transport
 * (network checks, downloads), so a dry run must not run them: their section
 * says what they would do instead. Steps themselves are owned elsewhere; moving
 * such checks behind the transport would make them plannable.
 */
export const UNPLANNABLE_STEPS: Readonly<Record<string, string>> = {
  'node-download':
    'not planned: it downloads Node.js on this host (checksum-verified, cached), then copies and unpacks it on the node',
};

/** What a step that is not planned leaves on a node, so later steps plan against it (paths of programs). */
export const UNPLANNED_RESULTS: Readonly<Record<string, readonly string[]>> = {
  'node-download': ['/usr/local/bin/node'],
};

export interface PlanOptions {
  config: LabConfig;
  provider: Provider;
  /** Which provider and why (printed first). */
  choice: ProviderInfo;
  /** Default: the lab's steps (provision/lab.ts labSteps). */
  steps?: readonly Step[];
  /** Real secrets to keep out of the text as well, should any reach a command. */
  secrets?: LabSecrets;
  /** Step ids not to run, with what the plan says instead (default UNPLANNABLE_STEPS). */
  unplannable?: Readonly<Record<string, string>>;
  /** Where the lab lives (names and paths in the plan). @default labEnv() */
  where?: { labId: string; stateDir: string };
}

export interface PlannedStep {
  node: string;
  step: string;
  /** What the step reports on a fresh machine, where it stops there, or why it was not planned. */
  outcome: StepStatus['status'] | { stopped: string } | { notPlanned: string };
  commands: PlannedCommand[];
}

export interface LabPlan {
  header: string[];
  /** Provider.plan(nodes): already quoted lines, run on this host. */
  providerLines: string[];
  steps: PlannedStep[];
  redactions: readonly Redaction[];
}

/** Comments must stay on one line whatever a message contains. */
const oneLine = (text: string) => text.replace(/\r?\n/g, '\\n');

export async function planLab(o: PlanOptions): Promise<LabPlan> {
  const nodes = labNodes(o.config);
  const lab: Lab = {
    config: o.config,
    nodes,
    provider: o.provider,
    choice: o.choice,
    machine: o.provider.machine,
    labId: (o.where ?? labEnv()).labId,
    stateDir: (o.where ?? labEnv()).stateDir,
    secrets: PLAN_SECRETS,
    log: () => {},
  };
  const steps = o.steps ?? labSteps(lab, { tls: () => Promise.resolve(PLAN_TLS) });
  const redactions = [
    ...PLAN_REDACTIONS,
    ...(o.secrets
      ? [
          { secret: o.secrets.redisPassword, placeholder: '<redis-password>' },
          { secret: o.secrets.redisAdminPassword, placeholder: '<redis-admin-password>' },
          { secret: o.secrets.mongoPassword, placeholder: '<mongo-password>' },
        ]
      : []),
  ];
  const distro = debianPackageFiles();
  const header = [
    '# lab:up --dry-run: what lab:up would run on a fresh lab, in order. Nothing has run.',
    `# provider: ${o.choice.name} (${oneLine(o.choice.why)})`,
    `# nodes: ${nodes.map((n) => `${n.name} ${n.ip} (${n.role})`).join(', ')}`,
    '# Each command is one bash line, its words quoted with zx quote; secrets show as <redis-password>, <mongo-password>.',
    '# Steps run on the master first, then on the workers in parallel; each checks before it changes.',
    ...(o.config.redis.articleExact
      ? ['# WARNING: article_exact: Redis will accept anyone who reaches its port, with no password.']
      : []),
    ...(distro.note ? [`# note: ${distro.note}`] : []),
  ];
  const providerLines = await o.provider.plan(nodes);
  const machines = new Map<string, FreshMachine>();
  const planned: PlannedStep[] = [];
  const masters = nodes.filter((n) => n.role === 'master');
  const workers = nodes.filter((n) => n.role !== 'master');
  for (const step of steps) {
    for (const node of [...masters, ...workers].filter((n) => step.appliesTo(n))) {
      let machine = machines.get(node.name);
      if (!machine) {
        machine = new FreshMachine({
          packageFiles: distro.files,
          versions: { [process.execPath]: process.version },
          ...(lab.machine === 'local' ? {} : { files: { '/etc/os-release': OS_RELEASE[lab.machine] } }),
        });
        machines.set(node.name, machine);
      }
      const why = (o.unplannable ?? UNPLANNABLE_STEPS)[step.id];
      if (why !== undefined) {
        planned.push({ node: node.name, step: step.id, outcome: { notPlanned: why }, commands: [] });
        for (const path of UNPLANNED_RESULTS[step.id] ?? []) machine.assume(path);
        continue;
      }
      // the provider's transport carries the node's layout (provision/layout.ts); the plan keeps it
      planned.push(await planStep(step, node, carriedNode(o.provider, node), nodes, machine));
    }
  }
  return { header, providerLines, steps: planned, redactions };
}

/**
 * The node as the provider's transport carries it (with its layout). Providers
 * over ssh have no transport before up wrote their ssh_config: their nodes use
 * the system layout, which is what the node itself is.
 */
function carriedNode(provider: Provider, node: LabNode): LabNode {
  try {
    return provider.transport(node).node;
  } catch {
    return node;
  }
}

async function planStep(
  step: Step,
  node: LabNode,
  carried: LabNode,
  nodes: readonly LabNode[],
  machine: FreshMachine,
): Promise<PlannedStep> {
  const commands: PlannedCommand[] = [];
  const transport = new PlanTransport(carried, machine, (c) => commands.push(c));
  let outcome: PlannedStep['outcome'];
  try {
    outcome = (await step.run({ node, transport, nodes, log: () => {} })).status;
  } catch (error) {
    outcome = { stopped: error instanceof Error ? error.message : String(error) };
  }
  return { node: node.name, step: step.id, outcome, commands };
}

/** The plan as text: comments and one bash line per command (see plan/render.ts). */
export function formatPlan(plan: LabPlan): string {
  const out = [...plan.header, '', '## on this host: build the crawler into dist/', 'npm run build', ''];
  out.push('## provider: make the machines (on this host)', ...plan.providerLines, '');
  for (const s of plan.steps) {
    const outcome =
      typeof s.outcome === 'string'
        ? s.outcome
        : 'notPlanned' in s.outcome
          ? s.outcome.notPlanned
          : `stops here on a fresh machine: ${oneLine(redactText(s.outcome.stopped, plan.redactions))}`;
    out.push(`## ${s.node}: step ${s.step} (${outcome})`);
    for (const c of s.commands) out.push(...renderCommand(c, plan.redactions));
    out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
}
