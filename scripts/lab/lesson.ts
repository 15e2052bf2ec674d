#!/usr/bin/env -S npx tsx
/** npm run lab:lesson -- <n> — run a lesson of the tutorial step by step (lab/commands/lesson.ts). */
import { lessonCommand } from '../../lab/commands/lesson.ts';
import { runLabCommand } from '../../lab/commands/run-command.ts';

await runLabCommand(lessonCommand);
