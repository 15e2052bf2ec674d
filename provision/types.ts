import type { HostNeed } from './host-setup/packages.ts';
/**
 * The lab's contracts. A provider makes machines exist (Vagrant VMs, network
 * namespace stand-ins, existing hosts over SSH, local processes); a transport
 * runs commands and copies files on one machine; steps are small idempotent
 * modules that check before they change and run only through a transport, so
 * the same step runs unchanged on a VM and on a stand-in.
 */

export type Role = 'master' | 'worker';

/** One machine of the lab, as resolved from lab.yaml. */
export interface LabNode {
  /** Name used in commands and output (letters, digits, '-'). */
  name: string;
  /** 'master' runs Redis (and MongoDB, the mini-Tieba site) and a worker; 'worker' runs a worker. */
  role: Role;
  /** The address other nodes use to reach it (e.g. 192.168.56.10). */
  ip: string;
  /** Memory in MB and CPUs (VMs only). */
  memoryMb: number;
  cpus: number;
  /** ssh provider only. */
  ssh?: { user: string; port: number; identityFile?: string };
}

export interface RunOptions {
  /** Text fed to standard input. */
  input?: string;
  /** Extra environment for the command. */
  env?: Record<string, string>;
  /** Fail after this many ms (default: no limit). */
  timeoutMs?: number;
  /** Do not throw on a non-zero exit; return it. */
  nothrow?: boolean;
  /**
   * The command needs the internet (apt-get install, downloads). VMs and local
   * processes have it anyway; netns stand-ins have no route out, so there the
   * command runs in the node's filesystem and processes but the host's network.
   */
  internet?: boolean;
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs commands on one node. `argv` is an argument vector, never a shell string:
 * transports quote it for whatever they go through (ssh, ip netns exec, chroot).
 */
export interface Transport {
  readonly node: LabNode;
  run(argv: readonly string[], options?: RunOptions): Promise<RunResult>;
  /** Run a bash script (text) on the node: `bash -euo pipefail` with the script on stdin. */
  script(text: string, options?: RunOptions): Promise<RunResult>;
  /** Copy a local file or directory to an absolute path on the node (re-copies only what changed where possible). */
  copy(localPath: string, remotePath: string): Promise<void>;
  close(): Promise<void>;
}

/** What a step reports: 'ok' (already as wanted), 'changed', or 'skipped' with why. */
export type StepStatus = { status: 'ok' | 'changed' } | { status: 'skipped'; why: string };

/**
 * What kind of machine a node is, for steps that differ: 'vm' (QEMU and Vagrant
 * VMs, ssh hosts: a real OS with systemd), 'standin' (netns hosts: no systemd,
 * the host's platform) or 'local' (processes on this machine: never touch its
 * firewall or services). Every provider says which it makes (Provider.machine).
 */
export type MachineKind = 'vm' | 'standin' | 'local';

export interface StepContext {
  node: LabNode;
  transport: Transport;
  /** Every node, for steps that need the master's address. */
  nodes: readonly LabNode[];
  log: (line: string) => void;
}

/** A provisioning step: check, then change only what is missing. */
export interface Step {
  /** Short stable id shown in progress and errors, e.g. 'redis-install'. */
  id: string;
  /** Which nodes it runs on. */
  appliesTo(node: LabNode): boolean;
  run(ctx: StepContext): Promise<StepStatus>;
}

/** Every provider the lab knows, in the order `provider: auto` prefers them (provision/providers/registry.ts). */
export type ProviderName = 'vagrant' | 'qemu' | 'netns' | 'ssh' | 'local';

/**
 * How eagerly `provider: auto` takes a usable provider: every 'first' one in
 * AUTO_ORDER, then 'slow' ones (real VMs under software emulation, minutes per
 * boot), then 'last' (plain processes). @default 'first'
 */
export type ProviderTier = 'first' | 'slow' | 'last';

export interface ProviderInfo {
  name: ProviderName;
  /** Can it run here, and if not, why (for `provider: auto` and lab:doctor). */
  usable: boolean;
  why: string;
  tier?: ProviderTier;
  /** One more line for auto and lab:doctor, e.g. how to get real VMs when a faster provider wins. */
  note?: string;
}

/** Where this host connects to reach a port of a node: its lab address, or a port forwarded to loopback. */
export interface Endpoint {
  host: string;
  port: number;
}

/**
 * Makes the lab's machines exist, and describes them: everything the rest of
 * the lab asks about a provider is a member here, so no code outside
 * provision/providers/ branches on which provider it has.
 */
export interface Provider {
  readonly name: ProviderName;
  /** What its machines are, for steps that differ (systemd, firewall, runtime). */
  readonly machine: MachineKind;
  /**
   * The nodes share this host's filesystem and run without root (local, rootless
   * netns): provisioning takes the no-root variant of each step (private Redis
   * from the transformed redis.conf, no apt).
   */
  readonly noRootSteps: boolean;
  detect(): Promise<ProviderInfo>;
  /** lab.yaml's nodes with the addresses they have on this provider (local: loopback ones; others as written). */
  localize(nodes: readonly LabNode[]): Promise<LabNode[]>;
  /** Make the machines exist and reachable (idempotent). */
  up(nodes: readonly LabNode[]): Promise<void>;
  transport(node: LabNode): Transport;
  /** Stop machines, keep their disks/state. */
  down(nodes: readonly LabNode[]): Promise<void>;
  /** Remove everything the provider made. */
  destroy(nodes: readonly LabNode[]): Promise<void>;
  /** The exact commands `up` would run, for --dry-run. */
  plan(nodes: readonly LabNode[]): Promise<string[]>;
  /** An interactive shell on the node for `npm run lab:ssh` (a TTY cannot pass through Transport.run). */
  interactiveArgv(node: LabNode): Promise<Interactive>;
  /**
   * How this host reaches `port` on `node` (the crawl's Redis, MongoDB, the
   * site), checked before any socket opens: a provider whose machines do not
   * hold the address right now throws a ProviderError saying so (the network
   * guard, provision/net-guard.ts), so the host never dials somebody else's network.
   */
  hostEndpoint(node: LabNode, port: number): Promise<Endpoint>;
  /** What stays after `down`, one line each, for lab:down's message. */
  keptOnDown(): string[];
  /**
   * Where this host's connections to forwarded ports come from, as the nodes
   * see them (qemu's user-mode NAT: 10.0.2.2). The firewall admits it next to
   * the lab network, as VirtualBox's host-only address is inside it. Unset: the
   * host is on the lab network itself, or reaches nothing through a firewall.
   */
  readonly hostSource?: string;
  /**
   * Host packages it needs that apt can install (netns: debootstrap, rsync, …;
   * local: redis-server). lab:up installs the missing ones when it may
   * (choose-provider.ts); undefined: nothing installable.
   */
  hostNeeds?(): readonly HostNeed[];
  /** Extra logs a node has beside its services (qemu: 'console', the serial console). */
  extraLog?(node: LabNode, name: string, lines: number): Promise<string | undefined>;
}

/** How to start an interactive shell on a node, from this host. */
export interface Interactive {
  argv: string[];
  env: NodeJS.ProcessEnv;
  cwd?: string;
}
