import { CrawlError } from '../../common/errors.ts';
import { layoutOf, SYSTEM_LAYOUT } from '../layout.ts';
import type { LabNode, MachineKind, Step } from '../types.ts';
import { serviceManagerFor } from './systemd.ts';

/** Where the crawler lives on VMs and stand-ins; steps use the node's layout (../layout.ts). */
export const APP_DIR = SYSTEM_LAYOUT.appDir;
export const NODE_BIN = SYSTEM_LAYOUT.nodeBin;

/**
 * A current LTS Node.js on the node. Stand-in hosts reuse this machine's node
 * binary (same platform); it is copied only when the node lacks that version.
 * VMs download it once on the host, checksum-verified (vagrant path).
 */
export function nodeRuntime(hostNodeBinary: string, version: string): Step {
  return {
    id: 'node-runtime',
    appliesTo: () => true,
    async run({ transport }) {
      const { nodeBin: NODE_BIN } = layoutOf(transport);
      const have = await transport.run([NODE_BIN, '--version'], { nothrow: true });
      if (have.exitCode === 0 && have.stdout.trim() === version) return { status: 'ok' };
      await transport.copy(hostNodeBinary, NODE_BIN);
      const now = await transport.run([NODE_BIN, '--version']);
      if (now.stdout.trim() !== version) {
        throw new CrawlError(
          'CRAWL_E_PROVISION',
          `node on the machine reports ${now.stdout.trim()}, expected ${version}`,
        );
      }
      return { status: 'changed' };
    },
  };
}

/** The built crawler (dist/: one bundled file per program, no node_modules) copied to every node; rsync sends only changes. */
export function deployCrawler(distDir: string): Step {
  return {
    id: 'crawler-deploy',
    appliesTo: () => true,
    async run({ transport }) {
      const { appDir: APP_DIR } = layoutOf(transport);
      const before = await transport.run(['sha256sum', `${APP_DIR}/crawl.mjs`, `${APP_DIR}/site.mjs`], {
        nothrow: true,
      });
      await transport.copy(distDir, APP_DIR);
      const after = await transport.run(['sha256sum', `${APP_DIR}/crawl.mjs`, `${APP_DIR}/site.mjs`]);
      return { status: before.stdout === after.stdout ? 'ok' : 'changed' };
    },
  };
}

export interface SiteOptions {
  port: number;
  listPages: number;
  seed: number;
  latencyMs: number;
  /** VMs run the site as a systemd unit (restarted on failure, started at boot); elsewhere a supervised process. */
  machine: MachineKind;
}

/**
 * How long the site may take to answer after its start. Node's own start-up
 * takes seconds on an emulated VM (QEMU under TCG: ~1 min for the probe and
 * the site together on a busy 2-core host), so VMs get minutes; the probe
 * returns as soon as the site answers.
 */
export function siteReadyMs(machine: MachineKind): number {
  return machine === 'vm' ? 240_000 : 15_000;
}

const isMaster = (n: LabNode) => n.role === 'master';

/** The mini-Tieba site, served from the master on its lab address (service `site`). */
export function miniSite(o: SiteOptions): Step {
  return {
    id: 'mini-tieba-site',
    appliesTo: isMaster,
    async run({ transport, node, log }) {
      const { appDir: APP_DIR, nodeBin: NODE_BIN, services } = layoutOf(transport);
      const argv = [
        NODE_BIN,
        `${APP_DIR}/site.mjs`,
        '--host',
        node.ip,
        '--port',
        String(o.port),
        '--list-pages',
        String(o.listPages),
        '--seed',
        String(o.seed),
        '--latency-ms',
        String(o.latencyMs),
      ];
      const state = await serviceManagerFor(transport, o.machine, services).start(
        'site',
        argv,
        {},
        {
          restart: 'on-failure',
          enable: true,
          // lab.yaml's site keys (latency_ms, list_pages, ...) reach the running site (issue 12)
          onRestart: (why) => log(`restarted the site: ${why}`),
        },
      );
      const url = `http://${node.ip}:${o.port}/robots.txt`;
      const readyMs = siteReadyMs(o.machine);
      const probe =
        'const[u,ms]=process.argv.slice(1);const t=Date.now();(async()=>{for(;;){try{const r=await fetch(u);if(r.ok)process.exit(0)}catch{}if(Date.now()-t>Number(ms))process.exit(1);await new Promise(r=>setTimeout(r,200))}})()';
      // the transport's own bound leaves the probe time to start and to answer "no" itself
      const ok = await transport.run([NODE_BIN, '-e', probe, url, String(readyMs)], {
        nothrow: true,
        timeoutMs: readyMs + 60_000,
      });
      if (ok.exitCode !== 0) {
        throw new CrawlError(
          'CRAWL_E_PROVISION',
          `the mini-Tieba site on ${node.name} does not answer at ${url}`,
          {
            hint: 'see its log: npm run lab:logs -- master site',
          },
        );
      }
      return { status: state === 'running' ? 'ok' : 'changed' };
    },
  };
}
