import { existsSync, statSync } from 'node:fs';
import { NodeCommandError } from '../transports/errors.ts';
import { SCRIPT_ARGV } from '../transports/exec.ts';
import type { LabNode, RunOptions, RunResult, Transport } from '../types.ts';
import type { FreshMachine } from './fresh-machine.ts';

/** One command a step would run on a node, as recorded by PlanTransport. */
export interface PlannedCommand {
  /** 'copy' = a file or folder sent from the host (Transport.copy). */
  kind: 'run' | 'copy';
  argv: readonly string[];
  /** Extra environment (names are shown, secret values are redacted when rendered). */
  env: Readonly<Record<string, string>>;
  /** Text fed to standard input. */
  input?: string;
  /** The file's text before this command rewrote it, when the plan read it earlier (shown as a diff). */
  before?: string;
  /** Runs with the host's network (netns: package downloads). */
  internet: boolean;
  /** What the fresh machine answered (shown when it is not a plain success). */
  answer: RunResult;
  note?: string;
}

/**
 * A Transport that runs nothing: it records every command and copy and answers
 * like a fresh machine (FreshMachine), so the provisioning steps run unchanged
 * and their plan is exactly what they would do.
 */
export class PlanTransport implements Transport {
  readonly node: LabNode;
  readonly #machine: FreshMachine;
  readonly #record: (command: PlannedCommand) => void;
  /** Text each path had when the plan read it (cat), to show a rewrite (tee) as a diff. */
  readonly #read = new Map<string, string>();

  constructor(node: LabNode, machine: FreshMachine, record: (command: PlannedCommand) => void) {
    this.node = node;
    this.#machine = machine;
    this.#record = record;
  }

  async run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    const { result, note } = this.#machine.answer(argv, options);
    const command: PlannedCommand = {
      kind: 'run',
      argv: [...argv],
      env: { ...options.env },
      internet: options.internet === true,
      answer: result,
      ...(note === undefined ? {} : { note }),
      ...(options.input === undefined ? {} : { input: options.input }),
    };
    const target = argv[0] === 'tee' ? argv[argv.length - 1] : undefined;
    const before = target === undefined ? undefined : this.#read.get(target);
    if (before !== undefined) command.before = before;
    if (argv[0] === 'cat' && result.exitCode === 0)
      this.#read.set(argv[argv.length - 1] ?? '', result.stdout);
    this.#record(command);
    if (result.exitCode !== 0 && !options.nothrow)
      throw new NodeCommandError(
        { node: this.node.name, argv, ...result },
        note === undefined ? {} : { hint: note },
      );
    return result;
  }

  script(text: string, options: RunOptions = {}): Promise<RunResult> {
    return this.run(SCRIPT_ARGV, { ...options, input: text });
  }

  /**
   * Recorded as rsync's "copy to <node>:<path>" form: each transport carries
   * it its own way (netns: rsync into the node's root filesystem; ssh: rsync
   * over ssh). A folder not built yet (dist/ before the build) counts as a folder.
   */
  async copy(localPath: string, remotePath: string): Promise<void> {
    const isDir = !existsSync(localPath) || statSync(localPath).isDirectory();
    this.#machine.copied(localPath, remotePath);
    this.#record({
      kind: 'copy',
      argv: [
        'rsync',
        '-a',
        isDir ? `${localPath}/` : localPath,
        `${this.node.name}:${isDir ? `${remotePath}/` : remotePath}`,
      ],
      env: {},
      internet: false,
      answer: { exitCode: 0, stdout: '', stderr: '' },
    });
  }

  async close(): Promise<void> {}
}
