import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { quote } from 'zx';
import type { QemuAccel } from '../../config/types.ts';
import { probe, which } from '../../host-probe.ts';
import { requireForwarded } from '../../net-guard.ts';
import { ProviderError } from '../../transports/errors.ts';
import { execArgv } from '../../transports/exec.ts';
import { SshTransport } from '../../transports/ssh.ts';
import type { Endpoint, Interactive, LabNode, Provider, ProviderInfo } from '../../types.ts';
import { type AccelChoice, accelWithoutProbe, cachedAccel, chooseAccel } from './accel.ts';
import { labSegment, qemuArgv, type VmSpec } from './argv.ts';
import { hostRun } from './host-run.ts';
import {
  type BaseImage,
  buildImage,
  type ImageRecipe,
  imagePaths,
  imageRecipe,
  isImageBuilt,
} from './image.ts';
import {
  availableMemoryMb,
  consoleTail,
  memoryShortfall,
  readRecord,
  recordPath,
  runningPid,
  vmFiles,
} from './machines.ts';
import { pickForwards } from './ports.ts';
import { qmpCommand } from './qmp.ts';
import { renderQemuSshConfig } from './ssh-config.ts';

/**
 * Real Debian 12 VMs under QEMU, one per lab.yaml node, no hypervisor stack:
 * one base image built offline (./image.ts), a qcow2 overlay per VM, direct
 * kernel boot, NIC 1 user-mode NAT with ports forwarded to 127.0.0.1, NIC 2 the
 * lab network over a loopback multicast socket (./argv.ts). Every command then
 * goes through SshTransport as the `vagrant` user with sudo, exactly like a
 * Vagrant VM. KVM when it really works, otherwise TCG (./accel.ts).
 */
export interface QemuProviderOptions {
  labId: string;
  /** <lab state>/qemu: overlays, pidfiles, QMP sockets, consoles, ssh_config. */
  stateDir: string;
  /** Shared cache: the base image (lab-env.ts cacheDir). */
  cacheDir: string;
  mirror: string;
  suite: string;
  /** Prefix length of network.cidr (NIC 2's addresses). */
  prefix: number;
  accel: QemuAccel;
  bootTimeoutS: number;
  /** Guest ports of the master forwarded to 127.0.0.1 (Redis, MongoDB, the site), besides ssh. */
  masterPorts: readonly number[];
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  /** Free memory in MB (tests stage a small machine). @default MemAvailable from /proc/meminfo */
  availableMemoryMb?: () => number | undefined;
}

export const QEMU_BIN = 'qemu-system-x86_64';
/** Guests reach this host at this address through user-mode NAT; the host's forwarded connections come from it. */
export const NAT_HOST = '10.0.2.2';
/** Measured on a 2-core machine under TCG (docs/providers.md, "qemu"): what `auto` tells a learner to expect. */
export const TCG_UP_MINUTES = { warm: 5, cold: 10 };

export class QemuProvider implements Provider {
  readonly name = 'qemu' as const;
  readonly machine = 'vm' as const;
  readonly noRootSteps = false;
  readonly hostSource = NAT_HOST;
  readonly #o: QemuProviderOptions;
  readonly #recipe: ImageRecipe;

  constructor(options: QemuProviderOptions) {
    this.#o = options;
    this.#recipe = imageRecipe({ suite: options.suite, mirror: options.mirror });
  }

  get configFile(): string {
    return join(this.#o.stateDir, 'ssh_config');
  }

  get image(): BaseImage {
    return imagePaths(this.#o.cacheDir, this.#recipe);
  }

  get #accelCache(): string {
    return join(this.#o.cacheDir, 'qemu', 'accel.json');
  }

  #log(line: string): void {
    this.#o.log?.(line);
  }

  async detect(): Promise<ProviderInfo> {
    const env = this.#o.env ?? process.env;
    const qemu = which(QEMU_BIN, env);
    if (!qemu || !which('qemu-img', env))
      return {
        name: 'qemu',
        usable: false,
        why: `${qemu ? 'qemu-img' : QEMU_BIN} is not installed (apt-get install qemu-system-x86 qemu-utils)`,
      };
    const version = /version (\d+\.\d+(?:\.\d+)?)/.exec((await probe(qemu, ['--version'], env)).stdout)?.[1];
    const built = isImageBuilt(this.image);
    if (!built && (process.getuid?.() !== 0 || !which('debootstrap', env, ['/usr/sbin', '/sbin'])))
      return {
        name: 'qemu',
        usable: false,
        why: `QEMU ${version ?? ''} present, but the base image is not built and building it needs root and debootstrap (run lab:up once as root)`,
      };
    const accel = await this.#detectAccel(built);
    const image = built ? 'base image cached' : 'base image built at the first lab:up (about 5 minutes)';
    const info: ProviderInfo = {
      name: 'qemu',
      usable: true,
      why: `QEMU ${version ?? '(version unknown)'}, ${accel.why}; ${image}`,
      tier: accel.accel === 'kvm' ? 'first' : 'slow',
    };
    if (accel.accel === 'tcg')
      info.note = `real VMs: set provider: qemu (about ${TCG_UP_MINUTES.warm} minutes per lab:up here, ${TCG_UP_MINUTES.cold} the first time)`;
    return info;
  }

  /** Without booting anything when possible; the probe (≤ 10 s, once per host boot) only with a built image. */
  async #detectAccel(built: boolean): Promise<AccelChoice> {
    const fixed = accelWithoutProbe(this.#o.accel);
    if (fixed) return fixed;
    if (!built)
      return {
        accel: 'tcg',
        why: 'KVM not probed yet (the probe boots the base image kernel), counted as TCG',
      };
    return (
      (await cachedAccel(this.#accelCache, this.image.kernel)) ??
      chooseAccel('auto', this.image.kernel, this.#accelCache)
    );
  }

  async localize(nodes: readonly LabNode[]): Promise<LabNode[]> {
    return nodes.map((n) => ({ ...n }));
  }

  #forwardedPorts(node: LabNode): number[] {
    return [22, ...(node.role === 'master' ? this.#o.masterPorts : [])];
  }

  #spec(
    node: LabNode,
    nodes: readonly LabNode[],
    accel: AccelChoice,
    forwards: Record<number, number>,
  ): VmSpec {
    return {
      labId: this.#o.labId,
      node,
      index: nodes.findIndex((n) => n.name === node.name),
      nodes,
      accel: accel.accel,
      forwards,
      segment: labSegment(this.#o.labId, this.#o.prefix),
      files: vmFiles(this.#o.stateDir, node.name, this.image),
    };
  }

  async plan(nodes: readonly LabNode[]): Promise<string[]> {
    const img = this.image;
    const accel = accelWithoutProbe(this.#o.accel) ?? { accel: 'tcg' as const, why: '' };
    const lines = isImageBuilt(img)
      ? []
      : [`# build the base image into ${quote(img.dir)} (debootstrap, mke2fs -d)`];
    for (const node of nodes) {
      const forwards = Object.fromEntries(this.#forwardedPorts(node).map((p) => [p, 0]));
      const spec = this.#spec(node, nodes, accel, forwards);
      lines.push(
        ['qemu-img', 'create', '-q', '-f', 'qcow2', '-F', 'raw', '-b', img.disk, spec.files.overlay]
          .map((w) => quote(w))
          .join(' '),
        `${qemuArgv(spec)
          .map((w) => quote(w))
          .join(' ')}  # port 0 = a free 127.0.0.1 port`,
      );
    }
    return lines;
  }

  async up(nodes: readonly LabNode[]): Promise<void> {
    const st = this.#o.stateDir;
    // refused before anything is built or booted
    const toStart = nodes.filter((n) => runningPid(st, this.#o.labId, n.name) === undefined);
    const short = memoryShortfall(toStart, this.#o.availableMemoryMb?.() ?? availableMemoryMb());
    if (short)
      throw new ProviderError(`qemu: not enough free memory: ${short}`, {
        hint: 'lower nodes[].memory in lab.yaml (512 is the least), stop other VMs or labs (npm run lab:down), or close programs',
      });
    await mkdir(st, { recursive: true, mode: 0o700 });
    const img = await buildImage(this.#o.cacheDir, this.#recipe, (l) => this.#log(l));
    const accel = await chooseAccel(this.#o.accel, img.kernel, this.#accelCache, (l) => this.#log(l));
    const used = new Set<number>();
    for (const n of nodes)
      if (!toStart.includes(n))
        for (const p of Object.values(readRecord(st, n.name)?.forwards ?? {})) used.add(p);
    const started = Date.now();
    for (const node of toStart) {
      const before = readRecord(st, node.name)?.forwards ?? {};
      const forwards = await pickForwards(
        this.#forwardedPorts(node),
        before,
        (l) => this.#log(`qemu: ${node.name}: ${l}`),
        used,
      );
      const spec = this.#spec(node, nodes, accel, forwards);
      if (!existsSync(spec.files.overlay))
        await hostRun(
          ['qemu-img', 'create', '-q', '-f', 'qcow2', '-F', 'raw', '-b', img.disk, spec.files.overlay],
          {
            log: (l) => this.#log(l),
          },
        );
      await rm(spec.files.pidfile, { force: true });
      await rm(spec.files.qmp, { force: true });
      await writeFile(recordPath(st, node.name), JSON.stringify({ forwards, accel: accel.accel }));
      await writeFile(spec.files.console, '');
      await hostRun(qemuArgv(spec), { log: (l) => this.#log(l) });
      this.#log(
        `qemu: ${node.name} started (${accel.accel}, ${node.cpus} CPU, ${node.memoryMb} MB), ssh on 127.0.0.1:${forwards[22]}`,
      );
    }
    await writeFile(
      this.configFile,
      renderQemuSshConfig(nodes, (n) => readRecord(st, n)?.forwards[22], img),
      {
        mode: 0o600,
      },
    );
    await Promise.all(nodes.map((n) => this.#waitForSsh(n, started)));
  }

  async #waitForSsh(node: LabNode, started: number): Promise<void> {
    const st = this.#o.stateDir;
    const deadline = started + this.#o.bootTimeoutS * 1000;
    const t = this.#transport(node);
    const console = vmFiles(st, node.name, this.image).console;
    await mkdir(join(st, 'mux'), { recursive: true, mode: 0o700 });
    for (;;) {
      const r = await execArgv(t.commandArgv(['true']), {
        node: node.name,
        nothrow: true,
        timeoutMs: 20_000,
      }).catch(() => undefined);
      if (r?.exitCode === 0) {
        this.#log(`qemu: ${node.name} answers ssh (${Math.round((Date.now() - started) / 1000)} s)`);
        return;
      }
      const alive = runningPid(st, this.#o.labId, node.name) !== undefined;
      if (!alive || Date.now() > deadline) {
        const tail = await consoleTail(console, 12);
        const port = readRecord(st, node.name)?.forwards[22];
        throw new ProviderError(
          `qemu: ${node.name} ${alive ? `did not answer ssh on 127.0.0.1:${port} within ${this.#o.bootTimeoutS} s` : 'stopped while booting'}; last console lines:\n${tail || '(console empty)'}`,
          {
            hint: `read the whole console (npm run lab:logs -- ${node.name} console, or ${console}); under TCG a busy machine boots slowly: raise qemu.boot_timeout_s in lab.yaml or stop other VMs, then run lab:up again`,
            node: node.name,
          },
        );
      }
      await new Promise((r) => setTimeout(r, 2000));
    }
  }

  transport(node: LabNode): SshTransport {
    if (!existsSync(this.configFile))
      throw new ProviderError(`qemu: ${this.configFile} is missing, so ${node.name} cannot be reached yet`, {
        hint: 'bring the lab up first: npm run lab:up',
        node: node.name,
      });
    return this.#transport(node);
  }

  #transport(node: LabNode): SshTransport {
    return new SshTransport(node, { configFile: this.configFile, stateDir: this.#o.stateDir, sudo: true });
  }

  async interactiveArgv(node: LabNode): Promise<Interactive> {
    return { argv: [...this.transport(node).sshArgv(), '-t', '--', node.name], env: process.env };
  }

  /** Only ports forwarded to 127.0.0.1 of a VM that runs: the lab network itself is not on this host (net-guard.ts). */
  async hostEndpoint(node: LabNode, port: number): Promise<Endpoint> {
    const running = runningPid(this.#o.stateDir, this.#o.labId, node.name) !== undefined;
    return requireForwarded(
      node,
      port,
      running ? readRecord(this.#o.stateDir, node.name)?.forwards : undefined,
    );
  }

  keptOnDown(): string[] {
    return [`each VM's disk (a qcow2 overlay) in ${this.#o.stateDir}`, `the base image in ${this.image.dir}`];
  }

  async extraLog(node: LabNode, name: string, lines: number): Promise<string | undefined> {
    if (name !== 'console') return undefined;
    return consoleTail(vmFiles(this.#o.stateDir, node.name, this.image).console, lines);
  }

  async #closeAll(nodes: readonly LabNode[]): Promise<void> {
    if (!existsSync(this.configFile)) return;
    await Promise.all(
      nodes.map((n) =>
        this.#transport(n)
          .close()
          .catch(() => {}),
      ),
    );
  }

  /** ACPI power button (QMP system_powerdown): systemd stops the services and the VM powers off. */
  async down(nodes: readonly LabNode[]): Promise<void> {
    await this.#closeAll(nodes);
    await Promise.all(
      nodes.map(async (node) => {
        const pid = runningPid(this.#o.stateDir, this.#o.labId, node.name);
        if (pid === undefined) return;
        const files = vmFiles(this.#o.stateDir, node.name, this.image);
        this.#log(`qemu: ${node.name}: system_powerdown (QMP ${files.qmp})`);
        const asked = await qmpCommand(files.qmp, 'system_powerdown');
        if (asked && (await this.#gone(node, 180_000))) return;
        this.#log(`qemu: ${node.name} did not power off in time; kill ${pid}`);
        await this.#kill(node);
      }),
    );
  }

  /** Kills only this lab's QEMU processes (pids from the pidfiles, checked), then removes overlays and state. */
  async destroy(nodes: readonly LabNode[]): Promise<void> {
    await this.#closeAll(nodes);
    await Promise.all(nodes.map((n) => this.#kill(n)));
    this.#log(`qemu: rm -rf ${quote(this.#o.stateDir)}`);
    await rm(this.#o.stateDir, { recursive: true, force: true });
  }

  async #kill(node: LabNode): Promise<void> {
    const pid = runningPid(this.#o.stateDir, this.#o.labId, node.name);
    if (pid === undefined) return;
    this.#log(`qemu: kill -KILL ${pid} (${node.name})`);
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
    await this.#gone(node, 10_000);
  }

  async #gone(node: LabNode, ms: number): Promise<boolean> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (runningPid(this.#o.stateDir, this.#o.labId, node.name) === undefined) return true;
      await new Promise((r) => setTimeout(r, 500));
    }
    return runningPid(this.#o.stateDir, this.#o.labId, node.name) === undefined;
  }
}
