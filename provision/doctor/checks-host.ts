import { existsSync, readFileSync, statfsSync } from 'node:fs';
import { freemem } from 'node:os';
import { dirname } from 'node:path';
import { compareVersions, which } from '../host-probe.ts';
import { type HostTool, installHint } from './install-hints.ts';
import {
  HOST_RESERVE_MB,
  LOCAL_MB,
  NETNS_ROOTFS_MB,
  STANDIN_MASTER_MB,
  STANDIN_WORKER_MB,
  VAGRANT_BOX_MB,
  VAGRANT_PER_NODE_MB,
} from './needs.ts';
import type { DoctorContext, Finding, ProviderName } from './types.ts';

/** Checks of this machine: Node, RAM, disk, namespaces, the local provider's tools. */

const PACKAGE_JSON = new URL('../../package.json', import.meta.url);

export function nodeCheck(_ctx: DoctorContext, version = process.version): Finding {
  const engines = (JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { engines?: { node?: string } }).engines;
  const min = /(\d+\.\d+\.\d+)/.exec(engines?.node ?? '')?.[1] ?? '20.0.0';
  if (compareVersions(version.replace(/^v/, ''), min) < 0) {
    return {
      id: 'node',
      message: `Node.js ${version} is older than the ${min} the lab needs`,
      fix: `install Node.js ${min.split('.')[0]} LTS or newer (https://nodejs.org, or nvm install --lts)`,
      blocks: ['vagrant', 'netns', 'ssh', 'local'],
    };
  }
  return { id: 'node', message: `Node.js ${version} (needs ${min}+)`, blocks: [] };
}

export function memoryCheck(ctx: DoctorContext, freeMb = Math.floor(freemem() / 1048576)): Finding {
  if (!ctx.config) return { id: 'memory', message: 'skipped: lab.yaml is invalid', blocks: [] };
  const { nodes, crawl } = ctx.config;
  const vms = nodes.reduce((sum, n) => sum + n.memoryMb, 0);
  const standins = STANDIN_MASTER_MB + nodes.length * crawl.workersPerNode * STANDIN_WORKER_MB;
  const blocks: ProviderName[] = [];
  if (vms + HOST_RESERVE_MB > freeMb) blocks.push('vagrant');
  if (standins > freeMb) blocks.push('netns', 'local');
  const line = `${freeMb} MB free; VMs need ${vms} MB (nodes' memory) + ${HOST_RESERVE_MB} MB for the host; stand-ins/local about ${standins} MB`;
  if (blocks.length === 0) return { id: 'memory', message: line, blocks };
  return {
    id: 'memory',
    message: `not enough free RAM: ${line}`,
    fix: blocks.includes('vagrant')
      ? `lower nodes[].memory in lab.yaml (512 is enough for a worker), use fewer nodes, or close programs; provider: netns or local need far less`
      : 'close programs or lower crawl.workers_per_node',
    blocks,
  };
}

/** Free space where the lab writes its state (the nearest existing parent of the state folder). */
export function diskCheck(ctx: DoctorContext): Finding {
  let dir = ctx.stateDir;
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  const s = statfsSync(dir);
  const freeMb = Math.floor((s.bavail * s.bsize) / 1048576);
  const n = ctx.config?.nodes.length ?? 3;
  const need: Record<'vagrant' | 'netns' | 'local', number> = {
    vagrant: VAGRANT_BOX_MB + n * VAGRANT_PER_NODE_MB,
    netns: NETNS_ROOTFS_MB * (n + 1),
    local: LOCAL_MB,
  };
  const blocks = (Object.keys(need) as (keyof typeof need)[]).filter((p) => need[p] > freeMb);
  const line = `${freeMb} MB free at ${dir}; vagrant needs ~${need.vagrant} MB, netns ~${need.netns} MB, local ~${need.local} MB`;
  return blocks.length
    ? {
        id: 'disk',
        message: `low disk: ${line}`,
        fix: 'free disk space, or point LAB_STATE at a bigger disk',
        blocks,
      }
    : { id: 'disk', message: line, blocks };
}

function readNumber(file: string): number | undefined {
  try {
    return Number(readFileSync(file, 'utf8').trim());
  } catch {
    return undefined;
  }
}

export function namespacesCheck(ctx: DoctorContext): Finding {
  const id = 'namespaces';
  if (ctx.host.platform !== 'linux')
    return {
      id,
      message: `network namespaces exist only on Linux (this is ${ctx.host.platform})`,
      fix: 'use provider: vagrant or local',
      blocks: ['netns'],
    };
  const missing = (['ip', 'unshare', 'nsenter'] as HostTool[]).filter(
    (t) => !which(t, ctx.env, ['/sbin', '/usr/sbin']),
  );
  if (missing.length)
    return {
      id,
      message: `missing ${missing.join(', ')}`,
      fix: missing.map((t) => installHint(t)).join('; '),
      blocks: ['netns'],
    };
  const clone = readNumber('/proc/sys/kernel/unprivileged_userns_clone');
  const max = readNumber('/proc/sys/user/max_user_namespaces');
  const userns =
    clone === 0
      ? 'unprivileged user namespaces are off (kernel.unprivileged_userns_clone=0)'
      : max === 0
        ? 'user namespaces are off (user.max_user_namespaces=0)'
        : `unprivileged user namespaces available (max ${max ?? '?'})`;
  if (!ctx.isRoot) {
    if (clone === 0 || max === 0)
      return {
        id,
        message: `not root, and ${userns}: the netns provider can run neither as root nor rootless`,
        fix: 'sudo npm run lab:up, or enable user namespaces (sysctl kernel.unprivileged_userns_clone=1 / user.max_user_namespaces), or provider: local',
        blocks: ['netns'],
      };
    return {
      id,
      message: `not root: the netns provider runs rootless (${userns}); nodes use this machine's filesystem, no Debian root filesystems`,
      blocks: [],
    };
  }
  return { id, message: `root, ip, unshare and nsenter present; ${userns}`, blocks: [] };
}

/** What the local provider runs on this machine (and setsid/sha256sum, which macOS lacks by default). */
export function localToolsCheck(ctx: DoctorContext): Finding {
  const tools: HostTool[] = ['redis-server', 'redis-cli', 'rsync', 'setsid', 'sha256sum'];
  const missing = tools.filter((t) => !which(t, ctx.env));
  if (missing.length === 0) return { id: 'local-tools', message: `${tools.join(', ')} on PATH`, blocks: [] };
  return {
    id: 'local-tools',
    message: `not on PATH: ${missing.join(', ')} (the local provider runs Redis and the services with them)`,
    fix: [...new Set(missing.map((t) => installHint(t)))].join('; '),
    blocks: ['local'],
  };
}
