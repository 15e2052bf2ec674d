import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { quote } from 'zx';
import { NODE_PATHS, type ServicePaths, stopService } from '../services.ts';
import { APP_DIR } from '../steps/crawler.ts';
import { ProviderError } from '../transports/errors.ts';
import { execArgv } from '../transports/exec.ts';
import { SshTransport } from '../transports/ssh.ts';
import { renderSshConfig, requireSsh } from '../transports/ssh-config.ts';
import type { Endpoint, Interactive, LabNode, Provider, ProviderInfo } from '../types.ts';

/**
 * Machines that already exist (lab PCs, cloud VMs), listed in lab.yaml with an
 * ssh login per node. Nothing is created or booted: `up` writes the lab's
 * ssh_config and checks that every node answers and that commands can run as
 * root (directly, or through passwordless sudo). The same steps as on VMs then
 * run over SshTransport.
 */
export interface SshProviderOptions {
  /** Folder for ssh_config, known_hosts and control sockets (e.g. <lab state>/ssh). */
  stateDir: string;
  /** Where the lab puts things on a node; destroy removes only these. @default APP_DIR and NODE_PATHS */
  nodePaths?: { appDir: string; services: ServicePaths };
  /** Environment used to find ssh and rsync (tests pass a different PATH). @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Called with each command up/destroy runs, and with what down/destroy do. */
  log?: (line: string) => void;
}

const SUDO_HINT = (user: string) =>
  `let ${user} run commands as root without a password: on the machine run ` +
  `\`echo '${user} ALL=(ALL) NOPASSWD:ALL' | sudo tee /etc/sudoers.d/crawl-lab\` ` +
  `(install sudo first if it is missing), or log in as root (nodes[].ssh.user in lab.yaml)`;

export class SshProvider implements Provider {
  readonly name = 'ssh' as const;
  /** Existing machines: a real OS with systemd, like VMs (a stand-in reached over ssh is opened with machine: 'standin'). */
  readonly machine = 'vm' as const;
  readonly noRootSteps = false;
  readonly #o: SshProviderOptions;

  constructor(options: SshProviderOptions) {
    this.#o = options;
  }

  get configFile(): string {
    return join(this.#o.stateDir, 'ssh_config');
  }

  async detect(): Promise<ProviderInfo> {
    for (const [tool, pkg] of [
      ['ssh', 'openssh-client'],
      ['rsync', 'rsync'],
    ] as const) {
      const found = await execArgv(['/bin/sh', '-c', 'command -v "$1"', 'sh', tool], {
        node: 'host',
        nothrow: true,
        baseEnv: this.#o.env ?? process.env,
      });
      if (found.exitCode !== 0)
        return {
          name: 'ssh',
          usable: false,
          why: `${tool} is not installed on this machine (apt-get install -y ${pkg}; macOS has both)`,
        };
    }
    return {
      name: 'ssh',
      usable: true,
      why: 'ssh and rsync present; the machines must already exist and accept your key (nodes[].ssh in lab.yaml)',
    };
  }

  /**
   * `up` writes the lab's ssh_config (a comment line: it is a file, not a command), then runs, per
   * node, `ssh … <node> true` (the login works and, for a non-root user, `sudo -n` works).
   */
  async plan(nodes: readonly LabNode[]): Promise<string[]> {
    const lines = [`# write ${quote(this.configFile)} (Host blocks from nodes[].ssh)`];
    for (const node of nodes)
      lines.push(
        this.#transport(node)
          .commandArgv(['true'])
          .map((w) => quote(w))
          .join(' '),
      );
    return lines;
  }

  async up(nodes: readonly LabNode[]): Promise<void> {
    await mkdir(this.#o.stateDir, { recursive: true, mode: 0o700 });
    await writeFile(this.configFile, renderSshConfig(nodes), { mode: 0o600 });
    await Promise.all(nodes.map((node) => this.#check(node)));
  }

  transport(node: LabNode): SshTransport {
    if (!existsSync(this.configFile))
      throw new ProviderError(`ssh: ${this.configFile} is missing, so ${node.name} cannot be reached yet`, {
        hint: 'bring the lab up first: npm run lab:up (it writes the ssh_config from lab.yaml)',
        node: node.name,
      });
    return this.#transport(node);
  }

  async localize(nodes: readonly LabNode[]): Promise<LabNode[]> {
    return nodes.map((n) => ({ ...n }));
  }

  /** `ssh -F <the lab's ssh_config> -t <node>` over the lab's multiplexed connection. */
  async interactiveArgv(node: LabNode): Promise<Interactive> {
    return { argv: [...this.transport(node).sshArgv(), '-t', '--', node.name], env: process.env };
  }

  /** The machines are the learner's own, on a network the learner set up: dialled at their addresses. */
  async hostEndpoint(node: LabNode, port: number): Promise<Endpoint> {
    return { host: node.ip, port };
  }

  keptOnDown(): string[] {
    return ["the machines themselves, running (they are not the lab's to stop)"];
  }

  /** The machines are not ours to stop: down does nothing to them (it ends the lab's ssh connections). */
  async down(nodes: readonly LabNode[]): Promise<void> {
    this.#o.log?.('ssh: machines that already exist are left running; closing the lab ssh connections');
    await Promise.all(nodes.map((n) => this.#transport(n).close()));
  }

  /**
   * Removes only what the lab put on the machines: stops the lab's supervised
   * services and deletes the crawler folder and the services' run folder.
   * Installed packages (Redis, MongoDB), /etc/redis edits, the Node binary and
   * logs stay: the machines are yours. Then forgets the lab's ssh state.
   */
  async destroy(nodes: readonly LabNode[]): Promise<void> {
    const paths = this.#o.nodePaths ?? { appDir: APP_DIR, services: NODE_PATHS };
    for (const node of nodes) {
      const t = this.#transport(node);
      const pids = await t.run(['find', paths.services.runDir, '-maxdepth', '1', '-name', '*.pid'], {
        nothrow: true,
      });
      for (const file of pids.stdout.split('\n').filter(Boolean)) {
        const service = file.slice(file.lastIndexOf('/') + 1, -'.pid'.length);
        this.#o.log?.(`${node.name}: stop lab service ${service}`);
        await stopService(t, service, paths.services);
      }
      const rmArgv = ['rm', '-rf', '--', paths.appDir, paths.services.runDir];
      this.#o.log?.(`${node.name}: ${rmArgv.map((w) => quote(w)).join(' ')}`);
      await t.run(rmArgv);
      await t.close();
    }
    await rm(this.#o.stateDir, { recursive: true, force: true });
  }

  #transport(node: LabNode): SshTransport {
    return new SshTransport(node, {
      configFile: this.configFile,
      stateDir: this.#o.stateDir,
      sudo: requireSsh(node).user !== 'root',
    });
  }

  async #check(node: LabNode): Promise<void> {
    const t = this.#transport(node);
    this.#o.log?.(
      t
        .commandArgv(['true'])
        .map((w) => quote(w))
        .join(' '),
    );
    await t.connect(); // throws "cannot reach <node> over SSH at user@ip:port" with a hint
    const r = await t.run(['true'], { nothrow: true });
    if (r.exitCode === 0) return;
    const user = requireSsh(node).user;
    throw new ProviderError(
      `${node.name}: ${user} cannot run commands as root without a password (sudo -n true exited ${r.exitCode}: ${r.stderr.trim().slice(-300)})`,
      { hint: SUDO_HINT(user), node: node.name },
    );
  }
}
