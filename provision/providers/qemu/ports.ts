import { createServer } from 'node:net';

/**
 * Host ports for the VMs' forwards, on 127.0.0.1 only. A port is taken when
 * something can't be bound there; the kernel's choice (port 0) is free at the
 * moment it is asked, and a saved port (from the last lab:up) is kept when it
 * is still free, so ssh_config and bookmarks stay valid across down/up.
 */

/** Can `port` be bound on 127.0.0.1 right now? */
export function portFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A port the kernel says is free on 127.0.0.1, never one in `avoid`. */
export async function freePort(avoid: ReadonlySet<number> = new Set(), host = '127.0.0.1'): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen({ port: 0, host, exclusive: true }, () => {
        const address = server.address();
        const p = typeof address === 'object' && address ? address.port : 0;
        server.close(() => resolve(p));
      });
    });
    if (!avoid.has(port)) return port;
  }
  throw new Error('no free port on 127.0.0.1 after 50 tries');
}

/**
 * Host ports for each wanted guest port: the saved one when it is still free
 * (or `stillOurs` says our own VM holds it), else a fresh free one. `taken` is
 * reported through `note` so lab:up can say which port moved and why.
 */
export async function pickForwards(
  guestPorts: readonly number[],
  saved: Readonly<Record<number, number>> = {},
  note: (line: string) => void = () => {},
  used: Set<number> = new Set(),
): Promise<Record<number, number>> {
  const out: Record<number, number> = {};
  for (const guest of guestPorts) {
    const before = saved[guest];
    if (before !== undefined && !used.has(before) && (await portFree(before))) {
      out[guest] = before;
    } else {
      if (before !== undefined)
        note(`127.0.0.1:${before} (was guest port ${guest}) is taken now; picking another`);
      out[guest] = await freePort(used);
    }
    used.add(out[guest]!);
  }
  return out;
}
