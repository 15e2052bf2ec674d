import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { quote } from 'zx';
import { type HostNeed, missingNeeds } from '../../host-setup/packages.ts';
import { localLayout, withLayout } from '../../layout.ts';
import { kernelRoute, type RouteLookup, requireRouteVia } from '../../net-guard.ts';
import { readClaims } from '../../owner.ts';
import { ProviderError } from '../../transports/errors.ts';
import { execArgv } from '../../transports/exec.ts';
import { enterArgv, NetnsTransport } from '../../transports/netns.ts';
import type { Endpoint, Interactive, LabNode, Provider, ProviderInfo, Transport } from '../../types.ts';
import { labNames, type NetnsNames } from './names.ts';
import { holderArgv, readHolder, startHolder, stopHolder } from './pid1.ts';
import { buildCommands, copyCommands, isBuilt, type RootfsOptions, writeIdentity } from './rootfs.ts';
import { isHostRoot, isInside, outerArgv, readOuter, stopOuter, userNamespacesWork } from './rootless.ts';

/**
 * Stand-in hosts from network namespaces on a bridge (this-machine.md §2
 * "Variant A"): the host holds the bridge and its .1 address, each node a
 * namespace with one veth and only the connected route, so nodes reach each
 * other and the host, and nothing else. With `rootfs`, each node also gets its
 * own Debian root filesystem (§3). Nothing outside the lab's own bridge, veths,
 * namespaces and folders is touched.
 *
 * Without root (`rootless`), the same bridge and namespaces live inside one
 * unprivileged user namespace (rootless.ts); lab commands run inside it
 * (rootless-enter.ts). Nodes then use the host's filesystem with a folder each
 * (<stateDir>/nodes/<name>, the local provider's layout) and the no-root step
 * variants; there is no Debian root filesystem (no debootstrap without root).
 */

export interface NetnsProviderOptions {
  /** Short id naming everything this lab creates (1-7 of [a-z0-9]). */
  labId: string;
  /** The lab's state folder: PID files and per-node root filesystems. */
  stateDir: string;
  /** Give each node a Debian root filesystem (root only); omit for the host's filesystem. */
  rootfs?: RootfsOptions;
  /** Called with each command up/down/destroy actually runs (progress output, tests). */
  log?: (line: string) => void;
  /** Without root: inside an unprivileged user namespace, nodes on the host's filesystem. @default not host root */
  rootless?: boolean;
  /** How the network guard asks the kernel for a route (tests pass a fake one). @default kernelRoute (`ip route get`) */
  route?: RouteLookup;
  /** The shared cache holding every lab's claim (../../owner.ts): a /24 another lab holds is refused naming its checkout. */
  cacheDir?: string;
}

/** One thing up() makes: the command(s) that make it and how to tell it is already there. */
interface Action {
  argv: string[][];
  done(): Promise<boolean>;
  /** Custom runner (PID 1 is started detached, identity files are written directly). */
  run?(): Promise<void>;
}

export class NetnsProvider implements Provider {
  readonly name = 'netns' as const;
  readonly machine = 'standin' as const;
  readonly #o: NetnsProviderOptions;

  constructor(options: NetnsProviderOptions) {
    const rootless = options.rootless ?? (process.platform === 'linux' && !isHostRoot());
    // no Debian root filesystem without root: debootstrap and chroot need it
    this.#o = { ...options, rootless, ...(rootless ? { rootfs: undefined } : {}) };
  }

  /** True when the lab lives in an unprivileged user namespace (no root), see rootless.ts. */
  get rootless(): boolean {
    return this.#o.rootless === true;
  }

  /** Rootless nodes use this host's filesystem without root: the no-root step variants. */
  get noRootSteps(): boolean {
    return this.rootless;
  }

  /** lab.yaml's addresses, as written: each namespace holds its node's. */
  async localize(nodes: readonly LabNode[]): Promise<LabNode[]> {
    return nodes.map((n) => ({ ...n }));
  }

  /** The node's own address, once the kernel routes it through this lab's bridge (else "the lab is not up"). */
  async hostEndpoint(node: LabNode, port: number): Promise<Endpoint> {
    const { bridge } = labNames(this.#o.labId, [node]);
    await requireRouteVia(node.ip, bridge, this.#o.route ?? kernelRoute);
    return { host: node.ip, port };
  }

  keptOnDown(): string[] {
    return this.rootless
      ? [`each node's folder in ${join(this.#o.stateDir, 'nodes')}`]
      : [
          `each node's root filesystem (installed packages, redis.conf, the crawler, Redis's data) in ${join(this.#o.stateDir, 'rootfs')}`,
        ];
  }

  /** The node's folder in a rootless lab (its files, data, pidfiles and logs). */
  nodeDir(node: LabNode): string {
    return join(this.#o.stateDir, 'nodes', node.name);
  }

  async detect(): Promise<ProviderInfo> {
    const info = (usable: boolean, why: string): ProviderInfo => ({ name: 'netns', usable, why });
    if (process.platform !== 'linux') return info(false, 'network namespaces exist only on Linux');
    const [missing] = missingNeeds(this.hostNeeds());
    if (missing) return info(false, `${missing.tool} is not installed (apt-get install -y ${missing.pkg})`);
    if (!this.rootless) return info(true, 'Linux, root, iproute2 and util-linux present');
    const outer = await readOuter(this.#o.stateDir);
    if (!(outer?.alive && isInside(outer))) {
      const userns = await userNamespacesWork();
      if (!userns.ok)
        return info(
          false,
          `needs root, or unprivileged user namespaces (${userns.why}; enable them: sysctl -w kernel.unprivileged_userns_clone=1 or user.max_user_namespaces=15000)`,
        );
    }
    return info(
      true,
      "Linux without root: rootless, in an unprivileged user namespace; nodes use this host's filesystem (a folder each), no Debian root filesystems",
    );
  }

  /** iproute2 and util-linux for the namespaces, rsync for copies, debootstrap for the root filesystems. */
  hostNeeds(): HostNeed[] {
    const ns = 'network namespaces';
    return [
      { tool: 'ip', pkg: 'iproute2', why: ns },
      { tool: 'unshare', pkg: 'util-linux', why: ns },
      { tool: 'nsenter', pkg: 'util-linux', why: ns },
      { tool: 'rsync', pkg: 'rsync', why: 'copying the crawler to the stand-ins' },
      ...(this.#o.rootfs
        ? [{ tool: 'debootstrap', pkg: 'debootstrap', why: "the stand-ins' Debian root filesystems" }]
        : []),
    ];
  }

  async plan(nodes: readonly LabNode[]): Promise<string[]> {
    // rootless: every command after the first runs inside the user namespace the first one holds
    const outer = this.rootless ? [outerArgv(this.#o.stateDir)] : [];
    return [...outer, ...this.#actions(nodes, false).flatMap((a) => a.argv)].map((argv) =>
      argv.map((w) => quote(w)).join(' '),
    );
  }

  async up(nodes: readonly LabNode[]): Promise<void> {
    await this.#requireRoot('up');
    await mkdir(this.#o.stateDir, { recursive: true });
    if (this.rootless)
      for (const node of nodes) {
        const l = localLayout(this.nodeDir(node));
        for (const dir of [l.appDir, l.dataDir, l.services.runDir, l.services.logDir])
          await mkdir(dir, { recursive: true });
      }
    for (const action of this.#actions(nodes)) {
      if (await action.done()) continue;
      if (action.run) {
        for (const argv of action.argv) this.#log(argv);
        await action.run();
      } else for (const argv of action.argv) await this.#exec(argv);
    }
  }

  transport(node: LabNode): Transport {
    const namespace = labNames(this.#o.labId, [node]).nodes[0]!.namespace;
    const pidFile = this.#pidFile(node);
    // rootless: the host's filesystem, so each node keeps its files in its own folder
    const shown = this.rootless ? withLayout(node, localLayout(this.nodeDir(node))) : node;
    return new NetnsTransport(shown, {
      rootfs: this.#o.rootfs ? this.#nodeRootfs(node) : undefined,
      pid1: () => readHolder(pidFile, namespace),
      rootless: this.rootless,
    });
  }

  /** lab:ssh: a login shell in the node (its rootfs as root; rootless: the node's folder, this user's environment). */
  async interactiveArgv(node: LabNode): Promise<Interactive> {
    const namespace = labNames(this.#o.labId, [node]).nodes[0]!.namespace;
    const pid = await readHolder(this.#pidFile(node), namespace);
    if (pid === undefined)
      throw new ProviderError(`${node.name} is not running`, {
        hint: 'bring the lab up first: npm run lab:up',
      });
    const term = { TERM: process.env['TERM'] ?? 'xterm' };
    if (this.rootless)
      return {
        argv: [...enterArgv(pid, false), 'env', '-C', this.nodeDir(node), 'bash', '-i'],
        env: { ...process.env, ...term },
      };
    const env = {
      PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      HOME: '/root',
      LANG: 'C.UTF-8',
    };
    return { argv: [...enterArgv(pid, true), 'bash', '-l'], env: { ...env, ...term } };
  }

  /** Stops every process of the nodes and removes their network; root filesystems stay. */
  async down(nodes: readonly LabNode[]): Promise<void> {
    if (this.rootless) return this.#rootlessDown(nodes);
    await this.#requireRoot('down');
    await this.#stopNodes(nodes);
  }

  /**
   * Rootless: inside the namespace, the usual down; then (inside or not) every
   * process left in the lab's user namespace is killed, which takes the
   * namespace, the bridge and the node namespaces with it.
   */
  async #rootlessDown(nodes: readonly LabNode[]): Promise<void> {
    const outer = await readOuter(this.#o.stateDir);
    if (outer?.alive && isInside(outer)) await this.#stopNodes(nodes);
    if (outer) {
      this.#log(['kill', '-KILL', '<every process of the lab user namespace>']);
      await stopOuter(this.#o.stateDir);
    }
    for (const node of nodes) await rm(this.#pidFile(node), { force: true });
  }

  /** Kills each node's PID 1 (and so its processes), deletes the namespaces and the bridge. */
  async #stopNodes(nodes: readonly LabNode[]): Promise<void> {
    const names = labNames(this.#o.labId, nodes);
    for (const { node, namespace, veth } of names.nodes) {
      if (await stopHolder(this.#pidFile(node), namespace))
        this.#log(['kill', '-KILL', `<PID 1 of ${node.name}>`]);
      // the namespace (and with it the node's eth0) lives on while a just-killed process still holds
      // it; deleting the host end of the veth removes both ends at once, so nothing lingers
      if (existsSync(`/sys/class/net/${veth}`)) await this.#exec(['ip', 'link', 'del', veth]);
      if (existsSync(`/run/netns/${namespace}`)) await this.#exec(['ip', 'netns', 'del', namespace]);
    }
    if (existsSync(`/sys/class/net/${names.bridge}`)) await this.#exec(['ip', 'link', 'del', names.bridge]);
  }

  /** down, then remove the per-node root filesystems and the lab's state folder. */
  async destroy(nodes: readonly LabNode[]): Promise<void> {
    await this.down(nodes);
    const held = this.#mountsUnder(this.#o.stateDir);
    if (held.length > 0)
      throw new ProviderError(
        `netns: refusing to delete ${this.#o.stateDir}: still mounted: ${held.join(', ')}`,
        {
          hint: `unmount them (umount -R <path>) and run destroy again`,
        },
      );
    if (existsSync(this.#o.stateDir)) await this.#exec(['rm', '-rf', '--one-file-system', this.#o.stateDir]);
  }

  #actions(nodes: readonly LabNode[], strict = true): Action[] {
    const names = labNames(this.#o.labId, nodes, strict);
    const rootfs = this.#o.rootfs;
    const actions: Action[] = [];
    if (rootfs) actions.push({ argv: buildCommands(rootfs), done: async () => isBuilt(rootfs) });
    actions.push(...this.#bridgeActions(names));
    for (const { node, namespace, veth } of names.nodes) {
      const prefix = `${node.ip}/24`;
      actions.push(
        {
          argv: [['ip', 'netns', 'add', namespace]],
          done: async () => existsSync(`/run/netns/${namespace}`),
        },
        {
          argv: [['ip', 'link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', namespace]],
          done: async () => existsSync(`/sys/class/net/${veth}`),
        },
        {
          argv: [['ip', 'link', 'set', veth, 'master', names.bridge, 'up']],
          done: async () => existsSync(`/sys/class/net/${veth}/master`) && isUp(veth),
        },
        {
          argv: [
            ['ip', '-n', namespace, 'link', 'set', 'lo', 'up'],
            ['ip', '-n', namespace, 'addr', 'add', prefix, 'dev', 'eth0'],
            ['ip', '-n', namespace, 'link', 'set', 'eth0', 'up'],
          ],
          done: async () =>
            (await this.#out(['ip', '-n', namespace, '-4', '-o', 'addr', 'show', 'dev', 'eth0'])).includes(
              ` ${prefix} `,
            ),
        },
      );
      const target = this.#nodeRootfs(node);
      if (rootfs)
        actions.push({
          argv: copyCommands(rootfs, target),
          done: async () => existsSync(join(target, 'usr/sbin/policy-rc.d')),
        });
      const pidFile = this.#pidFile(node);
      const holder = holderArgv(namespace, node.name, rootfs ? target : undefined);
      actions.push({
        argv: [holder],
        done: async () => (await readHolder(pidFile, namespace)) !== undefined,
        run: async () => {
          if (rootfs) await writeIdentity(target, node, nodes);
          await startHolder(holder, pidFile, namespace);
        },
      });
    }
    return actions;
  }

  #bridgeActions(names: NetnsNames): Action[] {
    const { bridge, gateway } = names;
    return [
      {
        argv: [['ip', 'link', 'add', bridge, 'type', 'bridge']],
        done: async () => {
          await this.#refuseForeignSubnet(names);
          return existsSync(`/sys/class/net/${bridge}`);
        },
      },
      {
        argv: [['ip', 'addr', 'add', `${gateway}/24`, 'dev', bridge]],
        done: async () =>
          (await this.#out(['ip', '-4', '-o', 'addr', 'show', 'dev', bridge])).includes(` ${gateway}/24 `),
      },
      { argv: [['ip', 'link', 'set', bridge, 'up']], done: async () => isUp(bridge) },
    ];
  }

  /** Never shadow a network the host really uses: the lab's /24 must be free or ours. */
  async #refuseForeignSubnet(names: NetnsNames): Promise<void> {
    const prefix = names.gateway.slice(0, names.gateway.lastIndexOf('.') + 1);
    for (const line of (await this.#out(['ip', '-4', '-o', 'addr', 'show'])).split('\n')) {
      const [, dev, , addr] = line.split(/\s+/);
      if (addr?.startsWith(prefix) && dev !== names.bridge) {
        // another lab's bridge: say whose (issue 12: two checkouts with the same lab.yaml)
        const other = /^clab-([a-z0-9]{1,7})$/.exec(dev ?? '')?.[1];
        const claim =
          other && this.#o.cacheDir ? readClaims(this.#o.cacheDir).find((c) => c.labId === other) : undefined;
        const whose = other
          ? `, the bridge of lab ${other}${claim ? ` of the checkout ${claim.checkout} (state ${claim.stateDir})` : ' (owner unknown: npm run lab:doctor lists it)'}`
          : '';
        throw new ProviderError(
          `netns: ${names.subnet} is already used by the host on ${dev} (${addr})${whose}`,
          {
            hint: `choose node addresses in another /24 in lab.yaml (network.cidr and each node's ip)${other ? ', or destroy that lab from its own checkout' : ''}`,
          },
        );
      }
    }
  }

  async #requireRoot(what: string): Promise<void> {
    if (this.rootless) {
      const outer = await readOuter(this.#o.stateDir);
      if (outer?.alive && isInside(outer)) return;
      throw new ProviderError(
        `netns (rootless): ${what} must run inside the lab's user namespace (${outer?.alive ? `held by PID ${outer.pid}` : 'not started'})`,
        {
          hint: 'use the lab commands (npm run lab:up, lab:crawl, ...): they enter it themselves (provision/providers/netns/rootless-enter.ts)',
        },
      );
    }
    if (process.getuid?.() !== 0)
      throw new ProviderError(`netns: ${what} needs root (creating namespaces and bridges)`, {
        hint: 'run as root (sudo -E npm run lab:up) or use provider: local',
      });
  }

  #pidFile(node: LabNode): string {
    return join(this.#o.stateDir, `${node.name}.pid1.json`);
  }

  #nodeRootfs(node: LabNode): string {
    return join(this.#o.stateDir, 'rootfs', node.name);
  }

  #mountsUnder(dir: string): string[] {
    return readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[1] ?? '')
      .filter((m) => m === dir || m.startsWith(`${dir}/`));
  }

  async #exec(argv: string[]): Promise<void> {
    this.#log(argv);
    await execArgv(argv, { node: 'host' });
  }

  async #out(argv: string[]): Promise<string> {
    return (await execArgv(argv, { node: 'host', nothrow: true })).stdout;
  }

  #log(argv: readonly string[]): void {
    this.#o.log?.(argv.map((w) => quote(w)).join(' '));
  }
}

function isUp(dev: string): boolean {
  try {
    // IFF_UP is bit 0 of the interface flags
    return (Number(readFileSync(`/sys/class/net/${dev}/flags`, 'utf8')) & 1) === 1;
  } catch {
    return false;
  }
}
