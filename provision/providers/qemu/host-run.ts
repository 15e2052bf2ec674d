import { spawn } from 'node:child_process';
import { quote } from 'zx';
import { NodeCommandError } from '../../transports/errors.ts';

/**
 * Runs a host command for the qemu provider (debootstrap, mke2fs, qemu-img,
 * qemu-system-x86_64): logs the command, and with `stream` each output line as
 * it comes (a long image build shows progress), and throws NodeCommandError
 * with the stderr tail when it fails.
 */
export function hostRun(
  argv: readonly string[],
  o: { log?: ((line: string) => void) | undefined; stream?: boolean; env?: NodeJS.ProcessEnv } = {},
): Promise<string> {
  const [file, ...args] = argv as [string, ...string[]];
  o.log?.(`$ ${argv.map((w) => quote(w)).join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      env: { ...process.env, ...o.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let partial = '';
    const onLine = (b: Buffer) => {
      if (!o.stream || !o.log) return;
      const lines = (partial + b.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) o.log(`    ${line}`);
    };
    child.stdout.on('data', (b: Buffer) => {
      out.push(b);
      onLine(b);
    });
    child.stderr.on('data', (b: Buffer) => {
      err.push(b);
      onLine(b);
    });
    child.on('error', (cause) =>
      reject(
        new NodeCommandError(
          { node: 'host', argv, exitCode: -1, stdout: '', stderr: '', why: 'could not start' },
          { hint: `install ${file} (npm run lab:doctor says which package)`, cause },
        ),
      ),
    );
    child.on('close', (code) => {
      const stdout = Buffer.concat(out).toString('utf8');
      if (code === 0) return resolve(stdout);
      reject(
        new NodeCommandError({
          node: 'host',
          argv,
          exitCode: code ?? -1,
          stdout,
          stderr: Buffer.concat(err).toString('utf8'),
        }),
      );
    });
  });
}
