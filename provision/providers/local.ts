import { mkdir, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { quote } from 'zx';
import type { HostNeed } from '../host-setup/packages.ts';
import { localLayout, type NodeLayout, withLayout } from '../layout.ts';
import { requireLoopback } from '../net-guard.ts';
import { stopService } from '../services.ts';
import { ProviderError } from '../transports/errors.ts';
import { LocalTransport } from '../transports/local.ts';
import type { Endpoint, Interactive, LabNode, Provider, ProviderInfo, Transport } from '../types.ts';

/**
 * The fallback that runs anywhere Node runs, without root: every node is a set
 * of plain processes on this machine with its own folder
 * `<stateDir>/nodes/<name>` (app/, data/, run/, log/, redis/; see
 * ../layout.ts) and its own loopback address, so ports and files of nodes
 * never mix. Only the master listens (Redis, the site); workers are clients.
 *
 * Addresses: lab.yaml's `ip` values are replaced (see `localize`), because
 * those addresses belong to VMs that do not exist here, and the lab must never
 * send traffic outside loopback.
 */
export interface LocalProviderOptions {
  /** The provider's own folder; `destroy` removes it. */
  stateDir: string;
  log?: (line: string) => void;
}

/** Node i gets 127.0.0.(10 + i): the article's .10/.11/.12, on loopback. */
export const LOCAL_FIRST_HOST = 10;

/** Can this machine bind 127.0.0.x other than .1? (Linux: all of 127/8 is loopback; macOS: only if aliased.) */
export async function loopbackAliasesWork(address = `127.0.0.${LOCAL_FIRST_HOST}`): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(false));
    server.listen(0, address, () => server.close(() => done(true)));
  });
}

/** The nodes with loopback addresses: 127.0.0.10, .11, ... or, without aliases, all 127.0.0.1 (only the master listens). */
export function localizeNodes(nodes: readonly LabNode[], aliases: boolean): LabNode[] {
  if (aliases && nodes.length > 254 - LOCAL_FIRST_HOST) {
    throw new ProviderError(
      `the local provider gives at most ${254 - LOCAL_FIRST_HOST} nodes a loopback address`,
      {
        hint: 'remove nodes from lab.yaml, or use several workers per node (crawl.workers_per_node).',
      },
    );
  }
  return nodes.map((n, i) => ({ ...n, ip: aliases ? `127.0.0.${LOCAL_FIRST_HOST + i}` : '127.0.0.1' }));
}

export class LocalProvider implements Provider {
  readonly name = 'local' as const;
  readonly machine = 'local' as const;
  readonly noRootSteps = true;
  readonly #o: LocalProviderOptions;

  constructor(options: LocalProviderOptions) {
    this.#o = { ...options, stateDir: resolve(options.stateDir) };
  }

  async detect(): Promise<ProviderInfo> {
    const aliases = await loopbackAliasesWork();
    return {
      name: 'local',
      usable: true,
      why: aliases
        ? `plain processes, no root; nodes on 127.0.0.${LOCAL_FIRST_HOST}, .${LOCAL_FIRST_HOST + 1}, ...`
        : `plain processes, no root; every node on 127.0.0.1 (127.0.0.${LOCAL_FIRST_HOST} cannot be bound here; macOS: sudo ifconfig lo0 alias 127.0.0.${LOCAL_FIRST_HOST} up)`,
    };
  }

  /** Redis runs as this user's own process on the master. */
  hostNeeds(): HostNeed[] {
    return [
      {
        tool: 'redis-server',
        pkg: 'redis-server',
        why: "the master's Redis (a private redis-server process)",
      },
      { tool: 'redis-cli', pkg: 'redis-tools', why: 'the Redis checks of lab:up and the lessons' },
    ];
  }

  /** lab.yaml's nodes with the addresses they get here. */
  async localize(nodes: readonly LabNode[]): Promise<LabNode[]> {
    return localizeNodes(nodes, await loopbackAliasesWork());
  }

  /** A shell in the node's folder, as the user running the lab. */
  async interactiveArgv(node: LabNode): Promise<Interactive> {
    return { argv: [process.env['SHELL'] ?? 'bash', '-i'], env: process.env, cwd: this.nodeDir(node) };
  }

  /** The nodes' loopback addresses, directly; nothing else. */
  async hostEndpoint(node: LabNode, port: number): Promise<Endpoint> {
    requireLoopback(node.ip);
    return { host: node.ip, port };
  }

  keptOnDown(): string[] {
    return [`each node's folder in ${join(this.#o.stateDir, 'nodes')}`];
  }

  /** The node's folder: its working directory and where its processes keep state. */
  nodeDir(node: LabNode): string {
    return join(this.#o.stateDir, 'nodes', node.name);
  }

  layout(node: LabNode): NodeLayout {
    return localLayout(this.nodeDir(node));
  }

  #dirs(node: LabNode): string[] {
    const l = this.layout(node);
    return [this.nodeDir(node), l.appDir, l.dataDir, l.services.runDir, l.services.logDir];
  }

  async plan(nodes: readonly LabNode[]): Promise<string[]> {
    return nodes.map((n) => ['mkdir', '-p', ...this.#dirs(n)].map((w) => quote(w)).join(' '));
  }

  async up(nodes: readonly LabNode[]): Promise<void> {
    for (const node of nodes) for (const dir of this.#dirs(node)) await mkdir(dir, { recursive: true });
  }

  /** Commands run directly, in the node's folder, as the user running the lab. */
  transport(node: LabNode): Transport {
    return new LocalTransport(withLayout(node, this.layout(node)), { cwd: this.nodeDir(node) });
  }

  /** Stop every supervised process of the nodes (each has a pidfile in its run/ folder); files stay. */
  async down(nodes: readonly LabNode[]): Promise<void> {
    for (const node of nodes) {
      const paths = this.layout(node).services;
      const names = await readdir(paths.runDir).catch(() => [] as string[]);
      const t = this.transport(node);
      for (const file of names.filter((f) => f.endsWith('.pid'))) {
        const service = file.slice(0, -'.pid'.length);
        this.#o.log?.(`${node.name}: stop ${service}`);
        await stopService(t, service, paths);
      }
    }
  }

  /** Stop every process, then remove the provider's folder (node folders, Redis data, logs). */
  async destroy(nodes: readonly LabNode[]): Promise<void> {
    await this.down(nodes);
    const dir = this.#o.stateDir;
    // a state dir of "/" or a top-level folder is a configuration mistake, never something to rm -rf
    if (dir.split('/').filter(Boolean).length < 2) {
      throw new ProviderError(`refusing to remove ${dir}: it is not a lab state folder`, {
        hint: 'set LAB_STATE to a folder of its own, such as .lab/ in the repository',
      });
    }
    this.#o.log?.(['rm', '-rf', dir].map((w) => quote(w)).join(' '));
    await rm(dir, { recursive: true, force: true });
  }
}
