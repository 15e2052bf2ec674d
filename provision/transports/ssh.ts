import { mkdirSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
// connection behaviour (controlPersistS, connectTimeoutS) lives with the lab's other defaults
import { SSH_DEFAULTS } from '../config/defaults.ts';
import type { LabNode, RunOptions, RunResult, Transport } from '../types.ts';
import { NodeCommandError, ProviderError } from './errors.ts';
import { execArgv, SCRIPT_ARGV } from './exec.ts';
import { remoteCommand, remoteInput, rsyncWord } from './ssh-quote.ts';

/**
 * Runs commands on a machine over OpenSSH. All calls to one host share one
 * multiplexed connection (ControlMaster): the first opens it, later ones —
 * from this object or any other transport of the same node and state folder —
 * reuse the socket, so a command costs a few milliseconds instead of a new
 * handshake. Host keys go to the lab's own known_hosts, never ~/.ssh/known_hosts.
 */

/** Unix socket paths are limited to 108 bytes; ssh adds a ~17-byte temporary suffix while creating one. */
const MAX_CONTROL_PATH = 90;

export interface SshTransportOptions {
  /** ssh_config with a `Host <host>` block (written by the ssh provider, or `vagrant ssh-config`). */
  configFile: string;
  /** The Host alias in configFile. @default node.name */
  host?: string;
  /** Folder for the control sockets and the lab's known_hosts. */
  stateDir: string;
  /** The login user is not root: run every command through `sudo -n --`. */
  sudo?: boolean;
  controlPersistS?: number;
  connectTimeoutS?: number;
}

export class SshTransport implements Transport {
  readonly node: LabNode;
  readonly #o: SshTransportOptions;
  readonly #host: string;
  #connected: Promise<void> | undefined;

  constructor(node: LabNode, options: SshTransportOptions) {
    this.node = node;
    this.#o = options;
    this.#host = options.host ?? node.name;
    checkStatePath(node.name, this.#host, options.stateDir);
  }

  /** Where the master connection's socket lives (tests check it with `ssh -O check`). */
  get controlPath(): string {
    return join(this.#o.stateDir, 'mux', this.#host);
  }

  /** ssh with the lab's options, up to (not including) the `-- host command` part. */
  sshArgv(): string[] {
    const o = this.#o;
    return [
      'ssh',
      '-F',
      o.configFile,
      '-o',
      'BatchMode=yes',
      '-o',
      'StrictHostKeyChecking=accept-new',
      '-o',
      `UserKnownHostsFile=${join(o.stateDir, 'known_hosts')}`,
      '-o',
      'GlobalKnownHostsFile=/dev/null',
      // the key is remembered under the node's name, not an address Vagrant may reuse for another VM
      '-o',
      `HostKeyAlias=${this.#host}`,
      '-o',
      'ControlMaster=auto',
      '-o',
      `ControlPath=${this.controlPath}`,
      '-o',
      `ControlPersist=${o.controlPersistS ?? SSH_DEFAULTS.controlPersistS}`,
      '-o',
      `ConnectTimeout=${o.connectTimeoutS ?? SSH_DEFAULTS.connectTimeoutS}`,
      // keep ssh's own notices ("Permanently added …") out of the command's stderr
      '-o',
      'LogLevel=ERROR',
    ];
  }

  /**
   * The full ssh argv for one remote command. With `env`, only the names'
   * count is in it: the values go on stdin (remoteInput), never on a command line.
   */
  commandArgv(argv: readonly string[], env?: Record<string, string>, timeoutMs?: number): string[] {
    // The master connection holds our stdio pipes (ssh passes them over the control socket), so
    // killing the local ssh on timeout cannot end the wait: the remote command must die too.
    // It gets one second more than the local timer, so the error still says "timed out".
    const timeoutS = timeoutMs === undefined ? undefined : (Math.ceil(timeoutMs) + 1000) / 1000;
    const remote = remoteCommand(argv, { env, sudo: this.#o.sudo, timeoutS });
    return [...this.sshArgv(), '--', this.#host, remote];
  }

  async run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    await this.connect();
    const { env, input, ...rest } = options;
    // env values go on stdin ahead of the input (ssh-quote.ts): `ps` on either end never shows them
    const stdin = remoteInput({ env, input });
    const result = await execArgv(this.commandArgv(argv, env, options.timeoutMs), {
      ...rest,
      ...(stdin === undefined ? {} : { input: stdin }),
      nothrow: true,
      node: this.node.name,
      shownArgv: argv,
    });
    // 255 is ssh's own failure code, but a remote command may exit 255 too: ask the master
    if (result.exitCode === 255 && !(await this.#masterAlive())) {
      this.#connected = undefined;
      throw await this.#unreachable(result.stderr);
    }
    if (result.exitCode !== 0 && !options.nothrow) {
      // the same error every transport throws: node, command (without env values), exit code, stderr tail
      throw new NodeCommandError({ node: this.node.name, argv, ...result });
    }
    return result;
  }

  script(text: string, options: RunOptions = {}): Promise<RunResult> {
    return this.run(SCRIPT_ARGV, { ...options, input: text });
  }

  async copy(localPath: string, remotePath: string): Promise<void> {
    await this.copyWithReport(localPath, remotePath);
  }

  /**
   * rsync over the same master connection. A directory's contents land in
   * `remotePath`; unchanged files are skipped (size and mtime, rsync's quick
   * check). Returns the files actually sent (rsync --itemize-changes).
   */
  async copyWithReport(localPath: string, remotePath: string): Promise<{ sent: string[] }> {
    if (!posix.isAbsolute(remotePath))
      throw new ProviderError(`${this.node.name}: copy destination "${remotePath}" is not absolute`, {
        hint: 'pass an absolute path on the node, e.g. /opt/crawl-lab',
        node: this.node.name,
      });
    const isDir = (await stat(localPath)).isDirectory();
    await this.run(['mkdir', '-p', '--', isDir ? remotePath : posix.dirname(remotePath)]);
    const argv = [
      'rsync',
      '-a',
      '--itemize-changes',
      // arguments travel inside rsync's protocol, not through the remote shell: odd paths stay intact
      '--secluded-args',
      '-e',
      this.sshArgv().map(rsyncWord).join(' '),
      ...(this.#o.sudo ? ['--rsync-path', 'sudo -n rsync'] : []),
      '--',
      isDir ? `${localPath}/` : localPath,
      `${this.#host}:${isDir ? `${remotePath}/` : remotePath}`,
    ];
    const result = await execArgv(argv, {
      node: this.node.name,
      nothrow: true,
      shownArgv: ['copy', localPath, remotePath],
    });
    if (result.exitCode === 255 && !(await this.#masterAlive())) throw await this.#unreachable(result.stderr);
    if (result.exitCode !== 0)
      throw new NodeCommandError({ node: this.node.name, argv: ['copy', localPath, remotePath], ...result });
    // itemized lines start with '<' for a file sent to the remote side
    const sent = result.stdout
      .split('\n')
      .filter((l) => l.startsWith('<'))
      .map((l) => l.slice(l.indexOf(' ') + 1));
    return { sent };
  }

  /** Ends the master connection (`ssh -O exit`); the next command opens a new one. */
  async close(): Promise<void> {
    this.#connected = undefined;
    await execArgv([...this.sshArgv(), '-O', 'exit', '--', this.#host], {
      node: this.node.name,
      nothrow: true,
    });
  }

  /** Opens the master connection unless one is running (from this or an earlier transport). */
  connect(): Promise<void> {
    this.#connected ??= this.#open().catch((error: unknown) => {
      this.#connected = undefined;
      throw error;
    });
    return this.#connected;
  }

  async #open(): Promise<void> {
    mkdirSync(join(this.#o.stateDir, 'mux'), { recursive: true, mode: 0o700 });
    if (await this.#masterAlive()) return;
    // -f -N: authenticate, then keep only the connection, in the background (ControlPersist bounds its life)
    const timeoutMs = ((this.#o.connectTimeoutS ?? SSH_DEFAULTS.connectTimeoutS) + 5) * 1000;
    const opened = await execArgv(
      [...this.sshArgv(), '-o', 'ControlMaster=yes', '-f', '-N', '--', this.#host],
      {
        node: this.node.name,
        nothrow: true,
        timeoutMs,
      },
    );
    if (opened.exitCode !== 0) throw await this.#unreachable(opened.stderr);
  }

  async #masterAlive(): Promise<boolean> {
    const check = await execArgv([...this.sshArgv(), '-O', 'check', '--', this.#host], {
      node: this.node.name,
      nothrow: true,
    });
    return check.exitCode === 0;
  }

  /** "cannot reach worker1 over SSH at ubuntu@10.0.0.5:22: …", with the address ssh really used (ssh -G). */
  async #unreachable(stderr: string): Promise<ProviderError> {
    const g = await execArgv(['ssh', '-F', this.#o.configFile, '-G', '--', this.#host], {
      node: this.node.name,
      nothrow: true,
    });
    const get = (key: string) => new RegExp(`^${key} (.*)$`, 'm').exec(g.stdout)?.[1] ?? '?';
    const where = `${get('user')}@${get('hostname')}:${get('port')}`;
    const tail = stderr.trim().slice(-400) || 'no error text from ssh';
    return new ProviderError(`cannot reach ${this.node.name} over SSH at ${where}: ${tail}`, {
      hint:
        `check that the machine is up and sshd listens at ${where}, that the user is right and its ` +
        `authorized_keys holds your public key (identity_file in lab.yaml), then run \`npm run lab:doctor\``,
      node: this.node.name,
    });
  }
}

function checkStatePath(node: string, host: string, stateDir: string): void {
  // ssh reads -o values as config lines: spaces, quotes and % (token expansion) would change their meaning
  if (/[\s"'%]/.test(stateDir))
    throw new ProviderError(
      `${node}: the lab state folder "${stateDir}" contains a space, quote or %, which ssh options cannot carry`,
      { hint: 'set LAB_STATE to a plain path such as /var/tmp/crawl-lab', node },
    );
  if (join(stateDir, 'mux', host).length > MAX_CONTROL_PATH)
    throw new ProviderError(
      `${node}: ssh control socket path under "${stateDir}" would exceed ${MAX_CONTROL_PATH} bytes (Unix socket limit)`,
      { hint: 'set LAB_STATE to a shorter path such as /var/tmp/crawl-lab', node },
    );
}
