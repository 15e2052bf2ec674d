import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CrawlError } from '../../common/errors.ts';
import { type HostTool, installHint } from '../doctor/install-hints.ts';
import { layoutOf } from '../layout.ts';
import { applyLabRedisConfig } from '../redis-conf.ts';
import { serviceLog, serviceState, startService, stopService } from '../services.ts';
import type { LabNode, Step, Transport } from '../types.ts';
import { applyLocalRedisPaths } from './local-redis-conf.ts';
import { pingAfterLoading, REDIS_CONF, type RedisStepOptions, redisConfLog } from './redis.ts';

/**
 * The article's Redis steps for the `local` provider: no apt (Redis comes from
 * your package manager, found on PATH), no /etc: the distribution's redis.conf
 * (or the repo's template) gets the SAME transformation as on a VM, then local
 * paths and a loopback bind, and is written to the master's folder, where a
 * supervised `redis-server <copy>` runs as your user.
 */

export const REDIS_TEMPLATE = fileURLToPath(new URL('../templates/redis.conf', import.meta.url));
const SERVICE = 'redis';
const isMaster = (n: LabNode) => n.role === 'master';

/** Absolute path of a tool on the node's PATH, or undefined. */
export async function onPath(t: Transport, tool: string): Promise<string | undefined> {
  const r = await t.run(['sh', '-c', 'command -v "$1"', 'sh', tool], { nothrow: true });
  return r.exitCode === 0 && r.stdout.trim() !== '' ? r.stdout.trim() : undefined;
}

async function requireTool(t: Transport, tool: HostTool): Promise<string> {
  const found = await onPath(t, tool);
  if (found) return found;
  throw new CrawlError(
    'CRAWL_E_PROVISION',
    `${tool} is not on PATH (the local provider runs this machine's Redis)`,
    {
      hint: `${installHint(tool)}; then run npm run lab:up again (npm run lab:doctor checks everything the lab needs)`,
    },
  );
}

/** Instead of `apt-get install redis-server`: the master needs redis-server and redis-cli on PATH. */
export const localRedisInstall: Step = {
  id: 'redis-install',
  appliesTo: isMaster,
  async run({ transport }) {
    await requireTool(transport, 'redis-server');
    await requireTool(transport, 'redis-cli');
    return { status: 'ok' };
  },
};

/** Instead of `apt-get install redis-tools`: workers need redis-cli to check they reach the master. */
export const localRedisToolsInstall: Step = {
  id: 'redis-tools-install',
  appliesTo: (n) => !isMaster(n),
  async run({ transport }) {
    await requireTool(transport, 'redis-cli');
    return { status: 'ok' };
  },
};

/** The distro's file when this user can read it, else the repo's template. */
async function sourceConf(t: Transport): Promise<{ text: string; from: string }> {
  const distro = await t.run(['cat', REDIS_CONF], { nothrow: true });
  if (distro.exitCode === 0) return { text: distro.stdout, from: REDIS_CONF };
  return { text: readFileSync(REDIS_TEMPLATE, 'utf8'), from: REDIS_TEMPLATE };
}

async function pong(t: Transport, host: string, o: RedisStepOptions, log: (line: string) => void) {
  return (await pingAfterLoading(t, host, { ...o, as: 'admin' }, log)).stdout.trim() === 'PONG';
}

/** Redis on the master: configure the copy, (re)start it when it changed or is not running, wait for PONG. */
export function localRedisConfigure(o: RedisStepOptions): Step {
  return {
    id: 'redis-configure',
    appliesTo: isMaster,
    async run({ transport, node, log }) {
      const layout = layoutOf(transport);
      const dir = `${layout.dataDir}/redis`;
      const conf = `${dir}/redis.conf`;
      const source = await sourceConf(transport);
      const article = applyLabRedisConfig(source.text, {
        password: o.password,
        articleExact: o.articleExact,
        port: o.port,
        ...(o.acl ? { acl: o.acl } : {}),
      });
      const local = applyLocalRedisPaths(article.text, {
        bind: node.ip,
        dir,
        pidfile: `${dir}/redis-server.pid`,
      });
      const current = await transport.run(['cat', conf], { nothrow: true });
      const changed = current.exitCode !== 0 || current.stdout !== local.text;
      if (changed) {
        log(`redis.conf from ${source.from}, copied to ${conf}`);
        for (const line of redisConfLog(article.changed)) log(line);
        for (const line of redisConfLog(local.changed, 'redis.conf (local)')) log(line);
        log(
          `bind ${node.ip}: on your own machine Redis stays on loopback (every lab node is on loopback); the article's commented-out bind would expose it to your whole network`,
        );
        await transport.run(['mkdir', '-p', dir]);
        // written without echoing: the file holds the password; only this user may read it
        await transport.run(['sh', '-c', 'umask 077 && cat > "$1"', 'sh', conf], { input: local.text });
        await stopService(transport, SERVICE, layout.services);
      }
      const server = await requireTool(transport, 'redis-server');
      const started = await startService(transport, SERVICE, [server, conf], {}, layout.services);
      // Redis needs a moment to open its port; bounded wait, then explain
      for (let i = 0; i < 50 && !(await pong(transport, node.ip, o, log)); i++) {
        if ((await serviceState(transport, SERVICE, layout.services)).state === 'exited') break;
        await new Promise((r) => setTimeout(r, 200));
      }
      if (!(await pong(transport, node.ip, o, log))) {
        const tail = (await serviceLog(transport, SERVICE, 5, layout.services)).trim();
        throw new CrawlError(
          'CRAWL_E_PROVISION',
          `Redis on ${node.name} does not answer PING at ${node.ip}:${o.port}: ${tail}`,
          {
            hint: `if the port is taken ("Address already in use"), set redis.port in lab.yaml to a free port; full log: ${layout.services.logDir}/${SERVICE}.log`,
          },
        );
      }
      return { status: changed || started !== 'running' ? 'changed' : 'ok' };
    },
  };
}
