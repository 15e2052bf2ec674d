import { createHash } from 'node:crypto';
import type { Transport } from './types.ts';

/**
 * Supervised processes on a node where there is no systemd (stand-ins, local):
 * a pidfile, a log file, and an exit-code file written when the process ends.
 * Every value reaches bash as a positional argument, never spliced into script
 * text. VMs get systemd units instead (issue 4's vagrant path).
 */
const START = `
svc=$1; run=$2; logs=$3; spec=$4; shift 4
mkdir -p "$run" "$logs"
pidf="$run/$svc.pid"; specf="$run/$svc.spec"
if [ -f "$pidf" ] && kill -0 "$(cat "$pidf")" 2>/dev/null; then
  if [ -f "$specf" ] && [ "$(cat "$specf")" = "$spec" ]; then echo running; else echo changed; cat "$specf" 2>/dev/null || true; fi
  exit 0
fi
rm -f "$run/$svc.exit"
nohup setsid sh -c 'exitf=$1; shift; "$@"; echo $? > "$exitf"' sh "$run/$svc.exit" "$@" >"$logs/$svc.log" 2>&1 </dev/null &
echo $! > "$pidf"
printf '%s' "$spec" > "$specf"
echo started`;

const STATUS = `
svc=$1; run=$2
if [ -f "$run/$svc.exit" ]; then echo "exited $(cat "$run/$svc.exit")"; exit 0; fi
if [ -f "$run/$svc.pid" ] && kill -0 "$(cat "$run/$svc.pid")" 2>/dev/null; then echo running; exit 0; fi
echo stopped`;

const STOP = `
svc=$1; run=$2
pidf="$run/$svc.pid"
[ -f "$pidf" ] || { echo stopped; exit 0; }
pid=$(cat "$pidf")
kill -TERM -- "-$pid" 2>/dev/null || true
# up to 10 s for the whole group to finish its SIGTERM handlers (a worker hands its leases back), not
# only the supervising shell, then SIGKILL for what is left
for _ in $(seq 1 100); do kill -0 -- "-$pid" 2>/dev/null || break; sleep 0.1; done
kill -KILL -- "-$pid" 2>/dev/null || true
rm -f "$pidf"
echo stopped`;

export interface ServicePaths {
  /** pidfiles and exit files */
  runDir: string;
  logDir: string;
}

export const NODE_PATHS: ServicePaths = { runDir: '/run/crawl-lab', logDir: '/var/log/crawl-lab' };

export type ServiceState = { state: 'running' } | { state: 'stopped' } | { state: 'exited'; code: number };

/**
 * What `start` did: started a stopped service; found it `running` with the same
 * command line and environment (nothing to do); or `restarted` it because what
 * lab.yaml asks for now (its command line or environment) differs from what it
 * was started with. lab:up reports the last two as "ok" and "changed".
 */
export type StartOutcome = 'started' | 'running' | 'restarted';

/** Called with the reason when a running service is restarted ("--latency-ms 0 → 250"). */
export type OnRestart = (why: string) => void;

/**
 * The record of what a service was started with, kept beside its pidfile (or
 * its unit): argv, and a hash of its environment — never the values, which
 * hold passwords. One line of JSON.
 */
export function serviceSpec(argv: readonly string[], env: Record<string, string>): string {
  const entries = Object.entries(env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const envHash = createHash('sha256').update(JSON.stringify(entries)).digest('hex').slice(0, 16);
  return JSON.stringify({ argv, env: envHash });
}

/** Why a running service started as `had` must restart to become `want`, in words (`had` undefined: no record). */
export function specChange(had: string | undefined, want: string): string {
  const parse = (text: string | undefined): { argv: string[]; env: string } | undefined => {
    try {
      const v = JSON.parse(text ?? '') as { argv?: unknown; env?: unknown };
      return Array.isArray(v.argv) && typeof v.env === 'string'
        ? { argv: v.argv.map(String), env: v.env }
        : undefined;
    } catch {
      return undefined;
    }
  };
  const a = parse(had);
  const b = parse(want);
  if (!a || !b) return 'no record of the command line it was started with';
  const why: string[] = [];
  if (a.argv.length === b.argv.length) {
    b.argv.forEach((word, i) => {
      if (a.argv[i] === word) return;
      const flag = i > 0 && b.argv[i - 1]!.startsWith('-') && a.argv[i - 1] === b.argv[i - 1];
      why.push(`${flag ? `${b.argv[i - 1]} ` : ''}${a.argv[i]} → ${word}`);
    });
  } else if (a.argv.join(' ') !== b.argv.join(' ')) {
    why.push(`command line ${a.argv.slice(1).join(' ')} → ${b.argv.slice(1).join(' ')}`);
  }
  if (a.env !== b.env) why.push('environment changed');
  return why.length ? why.join(', ') : 'its service definition changed';
}

/**
 * Start `argv` as service `name`. `env` reaches the process (secrets go here,
 * not in argv). A service already running with the same argv and env is left
 * alone; one running with different ones is stopped and started again, so an
 * edit of lab.yaml reaches it (issue 12).
 */
export async function startService(
  t: Transport,
  name: string,
  argv: readonly string[],
  env: Record<string, string> = {},
  paths: ServicePaths = NODE_PATHS,
  onRestart?: OnRestart,
): Promise<StartOutcome> {
  const spec = serviceSpec(argv, env);
  const script = ['bash', '-euo', 'pipefail', '-c', START, 'start', name, paths.runDir, paths.logDir, spec];
  const first = await t.run([...script, ...argv], { env });
  const [status, ...had] = first.stdout.trim().split('\n');
  if (status === 'running') return 'running';
  if (status !== 'changed') return 'started';
  onRestart?.(specChange(had.join('\n') || undefined, spec));
  await stopService(t, name, paths);
  await t.run([...script, ...argv], { env });
  return 'restarted';
}

export async function serviceState(
  t: Transport,
  name: string,
  paths: ServicePaths = NODE_PATHS,
): Promise<ServiceState> {
  const out = (
    await t.run(['bash', '-euo', 'pipefail', '-c', STATUS, 'status', name, paths.runDir])
  ).stdout.trim();
  const m = /^exited (\d+)$/.exec(out);
  if (m) return { state: 'exited', code: Number(m[1]) };
  return out === 'running' ? { state: 'running' } : { state: 'stopped' };
}

export async function stopService(
  t: Transport,
  name: string,
  paths: ServicePaths = NODE_PATHS,
): Promise<void> {
  await t.run(['bash', '-euo', 'pipefail', '-c', STOP, 'stop', name, paths.runDir], { timeoutMs: 30_000 });
}

export async function serviceLog(
  t: Transport,
  name: string,
  lines = 50,
  paths: ServicePaths = NODE_PATHS,
): Promise<string> {
  const r = await t.run(['tail', '-n', String(lines), `${paths.logDir}/${name}.log`], { nothrow: true });
  return r.stdout;
}
