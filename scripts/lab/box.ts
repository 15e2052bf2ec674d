#!/usr/bin/env -S npx tsx
/** npm run lab:box — the VM base image as a Vagrant box for libvirt (lab/commands/box.ts). */
import { boxCommand } from '../../lab/commands/box.ts';
import { runLabCommand } from '../../lab/commands/run-command.ts';

await runLabCommand(boxCommand);
