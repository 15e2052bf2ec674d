import { spawn } from 'node:child_process';
import { ConfigError } from 'crawl-lab';
import { openLab } from '../../provision/lab.ts';
import type { LabCommand } from './run-command.ts';

/** `<node> [--stdin] [-- cmd...]` from the arguments after the script name. */
export function parseSshArgs(args: readonly string[]): {
  node: string | undefined;
  command: string[];
  stdin: boolean;
} {
  const dash = args.indexOf('--');
  const before = dash < 0 ? args : args.slice(0, dash);
  return {
    node: before.find((a) => !a.startsWith('-')),
    command: dash < 0 ? [] : args.slice(dash + 1),
    stdin: before.includes('--stdin'),
  };
}

/** All of this process's standard input (for --stdin: a secret piped in, never on a command line). */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A shell on one of the lab's machines, or one command run there (its output
 * and exit code are the command's). How to get a terminal there is the
 * provider's business (Provider.interactiveArgv): nsenter into a stand-in, ssh
 * into a VM, a shell in a local node's folder.
 */
export async function ssh(args: readonly string[]): Promise<number> {
  const { node: name, command, stdin } = parseSshArgs(args);
  const lab = await openLab({ log: () => {} });
  const names = lab.nodes.map((n) => n.name).join(', ');
  const node = lab.nodes.find((n) => n.name === name);
  if (!node) {
    throw new ConfigError('CRAWL_E_USAGE', name ? `no node named "${name}"` : 'which node?', {
      hint: `name one of the lab's nodes: ${names} (npm run lab:ssh -- <node> [--stdin] [-- <command...>])`,
    });
  }
  if (command.length > 0) {
    const input = stdin ? await readStdin() : undefined;
    const r = await lab.provider
      .transport(node)
      .run(command, { nothrow: true, ...(input !== undefined ? { input } : {}) });
    process.stdout.write(r.stdout);
    process.stderr.write(r.stderr);
    return r.exitCode;
  }
  const shell = await lab.provider.interactiveArgv(node);
  const [file, ...rest] = shell.argv as [string, ...string[]];
  const child = spawn(file, rest, { stdio: 'inherit', env: shell.env, cwd: shell.cwd });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

export const sshCommand: LabCommand = {
  name: 'ssh',
  usage: `npm run lab:ssh -- <node> [--stdin] [-- <command...>]

A shell on one of the lab's machines, or one command run there (its output and
exit code are the command's). docs/lab-commands.md.

  --stdin   pass this command's standard input to the command on the node (e.g. a
            password piped in with printf, so it is on no command line)`,
  options: { stdin: { type: 'boolean' } },
  positionals: true,
  run: (_args, argv) => ssh(argv),
};
