/**
 * Pure text edit for the `local` provider's Redis, applied AFTER the article's
 * edits (../redis-conf.ts applyLabRedisConfig) to a copy of redis.conf kept in
 * the lab's state folder:
 *
 * - `bind <loopback address>`: the article comments `bind` out so Redis on a
 *   VM listens on the lab network. A local Redis runs on your laptop, whose
 *   "every interface" includes the café Wi-Fi: every lab node is on loopback,
 *   so binding the master's loopback address is all the workers need.
 * - `daemonize no`, `logfile ""`: the lab's supervisor (../services.ts) keeps
 *   the process, its pidfile and its output (log/redis.log) instead.
 * - `pidfile`, `dir`: inside the node's folder, where no root is needed.
 *
 * Same directive rule as Redis: a line is active when, trimmed, it does not
 * start with '#'; names are case-insensitive; every active line of a
 * directive is rewritten, and a missing one is appended.
 */

export interface LocalRedisPaths {
  /** The master's loopback address. */
  bind: string;
  /** Redis's working directory (dump.rdb, appendonly files). */
  dir: string;
  pidfile: string;
}

export interface LocalConfResult {
  text: string;
  /** `<directive> <value>` per line set or added. */
  changed: string[];
}

/** A value Redis reads back as one argument, even with spaces or quotes in a path. */
export function redisConfValue(value: string): string {
  if (value !== '' && /^[^\s"'\\]+$/.test(value)) return value;
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function nameOf(line: string): string | undefined {
  const trimmed = line.trim();
  if (trimmed === '' || trimmed.startsWith('#')) return undefined;
  return trimmed.split(/\s+/)[0]!.toLowerCase();
}

export function applyLocalRedisPaths(text: string, p: LocalRedisPaths): LocalConfResult {
  const wanted: [string, string][] = [
    ['bind', p.bind],
    ['daemonize', 'no'],
    ['logfile', '""'],
    ['pidfile', redisConfValue(p.pidfile)],
    ['dir', redisConfValue(p.dir)],
  ];
  const lines = text.split('\n');
  const crlf = lines.length > 1 && lines[0]!.endsWith('\r');
  const changed: string[] = [];
  for (const [name, value] of wanted) {
    const content = `${name} ${value}`;
    let found = false;
    lines.forEach((line, i) => {
      if (nameOf(line) !== name) return;
      found = true;
      if (line.replace(/\r$/, '').trim() === content) return;
      lines[i] = crlf ? `${content}\r` : content;
      changed.push(content);
    });
    if (found) continue;
    const at = lines[lines.length - 1] === '' ? lines.length - 1 : lines.length;
    lines.splice(at, 0, crlf ? `${content}\r` : content);
    changed.push(`${content} (added)`);
  }
  return { text: lines.join('\n'), changed };
}
