#!/usr/bin/env -S npx tsx
/**
 * npm run lab:ssh -- <node> [-- <command...>] — a shell on one of the lab's
 * machines, or one command run there (its output and exit code are the
 * command's). netns: enters the node's namespaces and root filesystem, like
 * every step does; local: a shell in the node's folder. docs/lab-commands.md.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ConfigError } from '../../crawler/errors.ts';
import { type Lab, openLab } from '../../provision/lab.ts';
import { LocalProvider } from '../../provision/providers/local.ts';
import { labNames } from '../../provision/providers/netns/names.ts';
import { readHolder } from '../../provision/providers/netns/pid1.ts';
import { ProviderError } from '../../provision/transports/errors.ts';
import { enterArgv } from '../../provision/transports/netns.ts';
import { SshTransport } from '../../provision/transports/ssh.ts';
import type { Interactive, LabNode } from '../../provision/types.ts';
import { isMain, runLabCommand } from './run.ts';

/**
 * An interactive shell on the node (a TTY cannot pass through Transport.run):
 * the provider's own Provider.interactiveArgv when it has one, else the
 * built-in way. netns: nsenter into the node's PID 1 namespaces and chroot, as
 * NetnsTransport does; local: a shell in the node's folder; vagrant and ssh:
 * `ssh -F <the lab's ssh_config> <node>` over the lab's multiplexed connection.
 */
export async function interactiveArgv(lab: Lab, node: LabNode): Promise<Interactive> {
  if (lab.provider.interactiveArgv) return lab.provider.interactiveArgv(node);
  const term = { TERM: process.env['TERM'] ?? 'xterm' };
  if (lab.provider instanceof LocalProvider)
    return {
      argv: [process.env['SHELL'] ?? 'bash', '-i'],
      env: process.env,
      cwd: lab.provider.nodeDir(node),
    };
  if (lab.provider.name === 'netns') {
    // the netns provider's naming (provision/lab.ts: <state>/netns, pid files per node)
    const namespace = labNames(lab.labId, [node]).nodes[0]!.namespace;
    const pid = await readHolder(join(lab.stateDir, 'netns', `${node.name}.pid1.json`), namespace);
    if (pid === undefined)
      throw new ProviderError(`${node.name} is not running`, {
        hint: 'bring the lab up first: npm run lab:up',
      });
    const env = {
      PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      HOME: '/root',
      LANG: 'C.UTF-8',
      ...term,
    };
    return { argv: [...enterArgv(pid, true), 'bash', '-l'], env };
  }
  const t = lab.provider.transport(node);
  if (t instanceof SshTransport)
    // both ssh providers name each machine's Host block after the node; -t: a terminal for the shell
    return { argv: [...t.sshArgv(), '-t', '--', node.name], env: process.env };
  throw new ProviderError(`lab:ssh has no interactive shell for provider ${lab.provider.name}`, {
    hint: `run one command instead: npm run lab:ssh -- ${node.name} -- <command>`,
  });
}

/** `<node> [-- cmd...]` from the arguments after the script name. */
export function parseSshArgs(args: readonly string[]): { node: string | undefined; command: string[] } {
  const dash = args.indexOf('--');
  const before = dash < 0 ? args : args.slice(0, dash);
  return { node: before.find((a) => !a.startsWith('-')), command: dash < 0 ? [] : args.slice(dash + 1) };
}

export async function sshCommand(args: readonly string[] = process.argv.slice(2)): Promise<number> {
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
  const shell = await interactiveArgv(lab, node);
  const [file, ...rest] = shell.argv as [string, ...string[]];
  const child = spawn(file, rest, { stdio: 'inherit', env: shell.env, cwd: shell.cwd });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

if (isMain(import.meta.url)) await runLabCommand('ssh', () => sshCommand());
