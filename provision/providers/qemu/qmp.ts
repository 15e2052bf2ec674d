import { connect } from 'node:net';

/**
 * QEMU's machine protocol over the VM's unix socket: enough to ask for an ACPI
 * power-button press (`system_powerdown`, what lab:down does, so systemd stops
 * the services and unmounts cleanly). Resolves true when QEMU accepted the command.
 */
export function qmpCommand(socket: string, command: string, timeoutMs = 5000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(socket);
    let buffer = '';
    let stage = 0;
    const done = (ok: boolean) => {
      clearTimeout(timer);
      s.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    s.on('error', () => done(false));
    s.on('data', (b) => {
      buffer += b.toString('utf8');
      let nl = buffer.indexOf('\n');
      while (nl >= 0) {
        const line = buffer.slice(0, nl).trim();
        buffer = buffer.slice(nl + 1);
        nl = buffer.indexOf('\n');
        if (!line) continue;
        let msg: Record<string, unknown>;
        try {
          msg = JSON.parse(line) as Record<string, unknown>;
        } catch {
          continue;
        }
        if (stage === 0 && 'QMP' in msg) {
          stage = 1;
          s.write(`${JSON.stringify({ execute: 'qmp_capabilities' })}\n`);
        } else if (stage === 1 && 'return' in msg) {
          stage = 2;
          s.write(`${JSON.stringify({ execute: command })}\n`);
        } else if (stage === 2 && ('return' in msg || 'error' in msg)) {
          done('return' in msg);
        }
      }
    });
  });
}
