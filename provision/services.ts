import type { Transport } from './types.ts';

/**
 * Supervised processes on a node where there is no systemd (stand-ins, local):
 * a pidfile, a log file, and an exit-code file written when the process ends.
 * Every value reaches bash as a positional argument, never spliced into script
 * text. VMs get systemd units instead (issue 4's vagrant path).
 */
const START = `
svc=$1; run=$2; logs=$3; shift 3
mkdir -p "$run" "$logs"
pidf="$run/$svc.pid"
if [ -f "$pidf" ] && kill -0 "$(cat "$pidf")" 2>/dev/null; then echo running; exit 0; fi
rm -f "$run/$svc.exit"
nohup setsid sh -c 'exitf=$1; shift; "$@"; echo $? > "$exitf"' sh "$run/$svc.exit" "$@" >"$logs/$svc.log" 2>&1 </dev/null &
echo $! > "$pidf"
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
for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
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

/** Start `argv` as service `name` unless it runs already. `env` reaches the process (secrets go here, not in argv). */
export async function startService(
  t: Transport,
  name: string,
  argv: readonly string[],
  env: Record<string, string> = {},
  paths: ServicePaths = NODE_PATHS,
): Promise<'started' | 'running'> {
  const script = ['bash', '-euo', 'pipefail', '-c', START, 'start', name, paths.runDir, paths.logDir];
  const r = await t.run([...script, ...argv], { env });
  return r.stdout.trim() === 'running' ? 'running' : 'started';
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
