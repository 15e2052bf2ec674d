import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { quote } from 'zx';
import { LocalTransport } from '../transports/local.ts';
import type { LabNode, Provider, ProviderInfo, Transport } from '../types.ts';

/**
 * The fallback that runs anywhere Node runs: every node is a set of plain
 * processes on this machine, reached at 127.0.0.1, each with its own state
 * folder (its working directory) so ports and files of nodes never mix.
 * Nothing is created but those folders, so there is nothing to start or stop:
 * the steps start and stop the processes themselves.
 */
export interface LocalProviderOptions {
  /** The lab's state folder; node folders live in `<stateDir>/nodes/<name>`. */
  stateDir: string;
  log?: (line: string) => void;
}

export class LocalProvider implements Provider {
  readonly name = 'local' as const;
  readonly #o: LocalProviderOptions;

  constructor(options: LocalProviderOptions) {
    this.#o = options;
  }

  async detect(): Promise<ProviderInfo> {
    return { name: 'local', usable: true, why: 'plain processes on 127.0.0.1 work wherever Node runs' };
  }

  /** The node's folder: its working directory and where its processes keep state. */
  nodeDir(node: LabNode): string {
    return join(this.#o.stateDir, 'nodes', node.name);
  }

  async plan(nodes: readonly LabNode[]): Promise<string[]> {
    return nodes.map((n) => ['mkdir', '-p', this.nodeDir(n)].map((w) => quote(w)).join(' '));
  }

  async up(nodes: readonly LabNode[]): Promise<void> {
    for (const node of nodes) await mkdir(this.nodeDir(node), { recursive: true });
  }

  /** Commands run directly, in the node's folder. The node's address is 127.0.0.1 whatever lab.yaml says. */
  transport(node: LabNode): Transport {
    return new LocalTransport({ ...node, ip: '127.0.0.1' }, { cwd: this.nodeDir(node) });
  }

  /** Processes are the steps' business (pidfiles in the node folders); the folders stay. */
  async down(_nodes: readonly LabNode[]): Promise<void> {}

  async destroy(nodes: readonly LabNode[]): Promise<void> {
    for (const node of nodes) {
      this.#o.log?.(['rm', '-rf', this.nodeDir(node)].map((w) => quote(w)).join(' '));
      await rm(this.nodeDir(node), { recursive: true, force: true });
    }
  }
}
