import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { CrawlError } from '../../common/errors.ts';
import { type Lab, masterOf, servicesOf } from '../../provision/lab.ts';
import { REDIS_TLS_NODE_FILES } from '../../provision/redis-tls.ts';
import { NODE_PATHS } from '../../provision/services.ts';
import { ferretdbArgv, MONGO_SERVICE, mongoAnswersOn } from '../../provision/steps/mongodb-standin.ts';
import { redisCliLogin, redisCliTls } from '../../provision/steps/redis.ts';
import type { Transport } from '../../provision/types.ts';

/**
 * Fault injectors: each one does one thing to one node through its transport
 * (or, for the network, to the host end of the node's link). Values reach bash
 * as positional arguments only.
 */

const run = promisify(execFile);

/**
 * Signal the worker process of a service (not its `sh` supervisor, which then
 * records the exit code as it would for a real crash). No /proc/<pid>/children
 * on every kernel, so the children are found from /proc/<pid>/stat.
 */
const SIGNAL_CHILDREN = `
sig=$1; pidf=$2
[ -f "$pidf" ] || { echo "no pidfile $pidf" >&2; exit 3; }
parent=$(cat "$pidf")
n=0
for d in /proc/[0-9]*; do
  st=$(cat "$d/stat" 2>/dev/null) || continue
  rest=\${st##*) }
  set -- $rest
  if [ "$2" = "$parent" ]; then kill -s "$sig" "\${d#/proc/}"; n=$((n + 1)); fi
done
[ "$n" -gt 0 ] || { echo "service process $parent has no worker process" >&2; exit 4; }
echo "$n"`;

export type WorkerSignal = 'KILL' | 'STOP' | 'CONT' | 'TERM';

export async function signalWorker(t: Transport, service: string, signal: WorkerSignal): Promise<void> {
  const pidFile = `${NODE_PATHS.runDir}/${service}.pid`;
  const r = await t.run(['bash', '-euo', 'pipefail', '-c', SIGNAL_CHILDREN, 'signal', signal, pidFile], {
    nothrow: true,
  });
  if (r.exitCode !== 0) {
    throw new CrawlError(
      'CRAWL_E_PROVISION',
      `cannot send SIG${signal} to ${service} on ${t.node.name}: ${r.stderr.trim()}`,
      { hint: `is the worker running? npm run lab:status; its log: npm run lab:logs -- ${t.node.name}` },
    );
  }
}

/**
 * Stop or start the master's MongoDB for real (the process ends; its data
 * folder stays). VMs: the mongod unit. Stand-ins: the FerretDB service that
 * lab:up started (steps/mongodb-standin.ts), started again with the same
 * command line and the lab user's password through the environment; start
 * returns once the server answers on the master.
 */
export async function mongoService(lab: Lab, action: 'stop' | 'start'): Promise<void> {
  const master = masterOf(lab);
  const t = lab.provider.transport(master);
  if (lab.machine === 'vm') {
    await t.run(['systemctl', action, 'mongod'], { timeoutMs: 120_000 });
    return;
  }
  const services = servicesOf(lab, t);
  const m = lab.config.mongodb;
  const at = { ip: master.ip, port: m.port };
  if (action === 'stop') {
    await services.stop(MONGO_SERVICE);
    // an honest fault: nothing may answer on the port while it is "down"
    if (await mongoAnswersOn(t, at))
      throw new CrawlError(
        'CRAWL_E_PROVISION',
        `MongoDB on ${master.name} still answers at ${master.ip}:${m.port} after being stopped`,
        {
          hint: `another server holds the port? look at the master's processes (npm run lab:ssh -- ${master.name})`,
        },
      );
    return;
  }
  await services.start(MONGO_SERVICE, ferretdbArgv({ ip: master.ip, port: m.port, user: m.user }), {
    FERRETDB_SETUP_PASSWORD: lab.secrets.mongoPassword,
  });
  if (!(await mongoAnswersOn(t, at, 20_000)))
    throw new CrawlError(
      'CRAWL_E_PROVISION',
      `MongoDB on ${master.name} did not answer after being started again`,
      {
        hint: `see its log: npm run lab:logs -- ${master.name} ${MONGO_SERVICE}; npm run lab:up starts it again`,
      },
    );
}

/** Stop or start the master's Redis the way an operator does (a clean shutdown writes the AOF). */
export async function redisService(t: Transport, action: 'stop' | 'start'): Promise<void> {
  await t.run(['service', 'redis-server', action], { timeoutMs: 60_000 });
}

/**
 * redis-cli on the master as provisioning's admin user (the crawl's user may
 * not CONFIG): the password in the environment, never on the command line.
 */
export async function redisAdmin(lab: Lab, args: readonly string[]): Promise<string> {
  const t = lab.provider.transport(masterOf(lab));
  const login = redisCliLogin(
    {
      port: lab.config.redis.port,
      password: lab.config.redis.articleExact ? undefined : lab.secrets.redisPassword,
      articleExact: lab.config.redis.articleExact,
      acl: { adminPassword: lab.secrets.redisAdminPassword, keys: [] },
    },
    'admin',
  );
  const r = await t.run(
    [
      'redis-cli',
      '-h',
      '127.0.0.1',
      '-p',
      String(lab.config.redis.port),
      // redis.tls: verified with the CA beside the master's certificate
      ...redisCliTls(lab.config.redis.tls, REDIS_TLS_NODE_FILES.caFile),
      ...login.args,
      '--no-auth-warning',
      ...args,
    ],
    { env: login.env, timeoutMs: 30_000 },
  );
  return r.stdout.trim();
}

/**
 * The host end of a node's link (netns provider): the namespace whose eth0 has
 * the node's address, then eth0's peer index ("eth0@if123"), which is the veth
 * on the host. Setting it down cuts the node off as a pulled cable does.
 */
export async function hostLinkOf(t: Transport): Promise<string> {
  const spaces = existsSync('/run/netns') ? readdirSync('/run/netns') : [];
  for (const ns of spaces) {
    const addr = await run('ip', ['-n', ns, '-o', '-4', 'addr', 'show', 'dev', 'eth0']).catch(
      () => undefined,
    );
    if (!addr?.stdout.includes(` ${t.node.ip}/`)) continue;
    const link = await run('ip', ['-n', ns, '-o', 'link', 'show', 'dev', 'eth0']);
    const index = /eth0@if(\d+)/.exec(link.stdout)?.[1];
    for (const dev of readdirSync('/sys/class/net')) {
      try {
        if (index && readFileSync(`/sys/class/net/${dev}/ifindex`, 'utf8').trim() === index) return dev;
      } catch {
        // a link that went away while scanning
      }
    }
  }
  throw new CrawlError(
    'CRAWL_E_PROVISION',
    `cannot find the host end of ${t.node.name}'s link (${t.node.ip})`,
    {
      hint: 'network-cut needs the netns provider (nodes are network namespaces on this machine), run as root',
    },
  );
}

export async function setLink(dev: string, state: 'up' | 'down'): Promise<void> {
  await run('ip', ['link', 'set', 'dev', dev, state]);
}
