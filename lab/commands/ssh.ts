import { spawn } from 'node:child_process';
import { ConfigError } from 'crawl-lab';
import { openLab } from '../../provision/lab.ts';
import type { LabCommand } from './run-command.ts';

/** `<node> [-- cmd...]` from the arguments after the script name. */
export function parseSshArgs(args: readonly string[]): { node: string | undefined; command: string[] } {
  const dash = args.indexOf('--');
  const before = dash < 0 ? args : args.slice(0, dash);
  return { node: before.find((a) => !a.startsWith('-')), command: dash < 0 ? [] : args.slice(dash + 1) };
}

/**
 * A shell on one of the lab's machines, or one command run there (its output
 * and exit code are the command's). How to get a terminal there is the
 * provider's business (Provider.interactiveArgv): nsenter into a stand-in, ssh
 * into a VM, a shell in a local node's folder.
 */
export async function ssh(args: readonly string[]): Promise<number> {
  const { node: name, command } = parseSshArgs(args);
  const lab = await openLab({ log: () => {} });
  const names = lab.nodes.map((n) => n.name).join(', ');
  const node = lab.nodes.find((n) => n.name === name);
  if (!node) {
    throw new ConfigError('CRAWL_E_USAGE', name ? `no node named "${name}"` : 'which node?', {
      hint: `name one of the lab's nodes: ${names} (npm run lab:ssh -- <node> [-- <command...>])`,
    });
  }
  if (command.length > 0) {
    const r = await lab.provider.transport(node).run(command, { nothrow: true });
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
  usage: `npm run lab:ssh -- <node> [-- <command...>]

A shell on one of the lab's machines, or one command run there (its output and
exit code are the command's). docs/lab-commands.md.`,
  positionals: true,
  run: (_args, argv) => ssh(argv),
};
