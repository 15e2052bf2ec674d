#!/usr/bin/env -S npx tsx
import { runLabCommand } from '../../lab/commands/run-command.ts';
/** npm run lab:ssh -- <node> [-- <command...>] — a shell, or one command, on a node (lab/commands/ssh.ts). */
import { sshCommand } from '../../lab/commands/ssh.ts';

await runLabCommand(sshCommand);
