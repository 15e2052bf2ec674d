import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { quote } from 'zx';
import { NodeCommandError, ProviderError } from '../../transports/errors.ts';
import { SshTransport } from '../../transports/ssh.ts';
import { sshConfigValue } from '../../transports/ssh-config.ts';
import type { Endpoint, Interactive, LabNode, Provider, ProviderInfo } from '../../types.ts';
import { detectVagrant, type VagrantHypervisor } from './detect.ts';
import type { HostFacts } from './hypervisors.ts';

/**
 * Real VMs from the repo's multi-machine Vagrantfile. Vagrant only makes the
 * machines exist: `vagrant up` once, then ONE `vagrant ssh-config` written to
 * the lab's state folder. Every later command goes through SshTransport with
 * `-F <that file> <node>` over a multiplexed connection (a few ms per command),
 * never `vagrant ssh -c` (a Ruby start-up and a new handshake each time).
 */
export interface VagrantProviderOptions {
  /** Folder for ssh_config, known_hosts and control sockets (e.g. <lab state>/vagrant). */
  stateDir: string;
  /** The folder holding the Vagrantfile (the repo root): cwd and VAGRANT_CWD of every vagrant call. */
  root: string;
  /** lab.yaml the Vagrantfile reads (passed as LAB_CONFIG); default: the Vagrantfile's own default. */
  configPath?: string;
  /** `vagrant up --provider`; default: none (Vagrant's default, VirtualBox). Pass detect().hypervisor. */
  hypervisor?: VagrantHypervisor;
  /** Environment for vagrant (PATH, VAGRANT_HOME, …). @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Platform and CPU, for the hypervisors worth probing (tests stage other hosts). @default this machine */
  host?: HostFacts;
  /** Each command run, then vagrant's output line by line (progress of long boots). */
  log?: (line: string) => void;
}

export class VagrantProvider implements Provider {
  readonly name = 'vagrant' as const;
  readonly machine = 'vm' as const;
  readonly noRootSteps = false;
  #o: VagrantProviderOptions;

  constructor(options: VagrantProviderOptions) {
    this.#o = options;
  }

  get configFile(): string {
    return join(this.#o.stateDir, 'ssh_config');
  }

  async detect(): Promise<ProviderInfo> {
    const found = await detectVagrant(this.#o.env ?? process.env, this.#o.host);
    // the hypervisor detect() found is the one `vagrant up --provider` gets (unless one was given)
    if (found.hypervisor && !this.#o.hypervisor) this.#o = { ...this.#o, hypervisor: found.hypervisor };
    return { name: 'vagrant', usable: found.usable, why: found.why };
  }

  async localize(nodes: readonly LabNode[]): Promise<LabNode[]> {
    return nodes.map((n) => ({ ...n }));
  }

  /** `ssh -F <state>/ssh_config -t <node>`: the file `vagrant ssh-config` wrote, over the lab's connection. */
  async interactiveArgv(node: LabNode): Promise<Interactive> {
    return { argv: [...this.transport(node).sshArgv(), '-t', '--', node.name], env: process.env };
  }

  /** The VMs' private network (VirtualBox host-only, libvirt's network) reaches the host: their own addresses. */
  async hostEndpoint(node: LabNode, port: number): Promise<Endpoint> {
    return { host: node.ip, port };
  }

  keptOnDown(): string[] {
    return ["the machines' disks (vagrant halt)"];
  }

  /** The exact vagrant commands up runs (in the repo root, with this environment), then the ssh check per node. */
  async plan(nodes: readonly LabNode[]): Promise<string[]> {
    const env = Object.entries(this.#vagrantEnv()).map(([k, v]) => `${k}=${quote(v)}`);
    const show = (argv: string[]) => [...env, ...argv.map((w) => quote(w))].join(' ');
    return [
      `cd ${quote(this.#o.root)}`,
      show(this.#upArgv(nodes)),
      `${show(this.#sshConfigArgv(nodes))} > ${quote(this.configFile)}`,
      ...nodes.map((n) =>
        this.#transport(n, true)
          .commandArgv(['true'])
          .map((w) => quote(w))
          .join(' '),
      ),
    ];
  }

  async up(nodes: readonly LabNode[]): Promise<void> {
    await this.#vagrant(this.#upArgv(nodes));
    const config = await this.#vagrant(this.#sshConfigArgv(nodes), false);
    await mkdir(this.#o.stateDir, { recursive: true, mode: 0o700 });
    await writeFile(this.configFile, config, { mode: 0o600 });
    for (const node of nodes) {
      if (sshConfigValue(config, node.name, 'HostName') === undefined)
        throw new ProviderError(`vagrant: \`vagrant ssh-config\` printed no Host block for ${node.name}`, {
          hint: 'check `vagrant status`: the machine may have failed to boot; then run lab:up again',
          node: node.name,
        });
      const t = this.#transport(node);
      await t.connect();
      await t.run(['true']);
    }
  }

  transport(node: LabNode): SshTransport {
    return this.#transport(node);
  }

  async down(nodes: readonly LabNode[]): Promise<void> {
    await this.#closeAll(nodes);
    await this.#vagrant(['vagrant', 'halt', ...nodes.map((n) => n.name)]);
  }

  /** `vagrant destroy -f`, then the lab's ssh state (new VMs get new host keys). */
  async destroy(nodes: readonly LabNode[]): Promise<void> {
    await this.#closeAll(nodes);
    await this.#vagrant(['vagrant', 'destroy', '-f', ...nodes.map((n) => n.name)]);
    await rm(this.#o.stateDir, { recursive: true, force: true });
  }

  #upArgv(nodes: readonly LabNode[]): string[] {
    const provider = this.#o.hypervisor ? [`--provider=${this.#o.hypervisor}`] : [];
    // no provisioners in the Vagrantfile; --no-provision also keeps a re-run from surprising anyone
    return ['vagrant', 'up', '--no-provision', ...provider, ...nodes.map((n) => n.name)];
  }

  #sshConfigArgv(nodes: readonly LabNode[]): string[] {
    return ['vagrant', 'ssh-config', ...nodes.map((n) => n.name)];
  }

  #vagrantEnv(): Record<string, string> {
    return {
      VAGRANT_CWD: this.#o.root,
      ...(this.#o.configPath ? { LAB_CONFIG: this.#o.configPath } : {}),
    };
  }

  /** `planned`: no ssh_config yet (dry run): assume Vagrant's usual non-root `vagrant` user. */
  #transport(node: LabNode, planned = false): SshTransport {
    let user = 'vagrant';
    if (!planned) {
      if (!existsSync(this.configFile))
        throw new ProviderError(
          `vagrant: ${this.configFile} is missing, so ${node.name} cannot be reached yet`,
          {
            hint: 'bring the lab up first: npm run lab:up',
            node: node.name,
          },
        );
      user = sshConfigValue(readFileSync(this.configFile, 'utf8'), node.name, 'User') ?? user;
    }
    return new SshTransport(node, {
      configFile: this.configFile,
      host: node.name,
      stateDir: this.#o.stateDir,
      sudo: user !== 'root',
    });
  }

  async #closeAll(nodes: readonly LabNode[]): Promise<void> {
    if (!existsSync(this.configFile)) return;
    await Promise.all(nodes.map((n) => this.#transport(n).close()));
  }

  /** Runs vagrant in the repo root; with `stream`, forwards its output line by line to log. */
  #vagrant(argv: string[], stream = true): Promise<string> {
    const log = this.#o.log;
    log?.(argv.map((w) => quote(w)).join(' '));
    const [file, ...args] = argv as [string, ...string[]];
    return new Promise((resolve, reject) => {
      const child = spawn(file, args, {
        cwd: this.#o.root,
        env: { ...(this.#o.env ?? process.env), ...this.#vagrantEnv() },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let partial = '';
      child.stdout.on('data', (b: Buffer) => {
        out.push(b);
        if (!stream || !log) return;
        const lines = (partial + b.toString('utf8')).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) log(`  ${line}`);
      });
      child.stderr.on('data', (b: Buffer) => err.push(b));
      child.on('error', (cause) =>
        reject(
          new ProviderError(`vagrant: could not start \`${file}\``, {
            hint: 'install Vagrant (npm run lab:doctor explains how) or choose provider: netns',
            cause,
          }),
        ),
      );
      child.on('close', (code) => {
        const stdout = Buffer.concat(out).toString('utf8');
        const stderr = Buffer.concat(err).toString('utf8');
        if (code === 0) return resolve(stdout);
        reject(
          new NodeCommandError(
            { node: 'host', argv, exitCode: code ?? -1, stdout, stderr },
            { hint: 'see `vagrant status` and the output above; `npm run lab:doctor` checks the hypervisor' },
          ),
        );
      });
    });
  }
}
