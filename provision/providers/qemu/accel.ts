import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Accel } from './argv.ts';

/**
 * KVM or TCG. lab.yaml `qemu.accel` may force either; `auto` uses KVM only when
 * a probe guest really runs under it: /dev/kvm can exist and accept a VM while
 * a guest still never gets past its first instructions (nested virtualisation
 * that does not work, as on this project's CI machine). The probe boots the
 * base image's kernel under KVM for a few seconds and looks for its first
 * words on the serial console. The answer is cached per kernel and per host
 * boot (<cache>/qemu/accel.json), so it costs those seconds once.
 */

export type AccelSetting = 'auto' | Accel;

export interface AccelChoice {
  accel: Accel;
  /** One line: why this accelerator. */
  why: string;
}

export const KVM_PROBE_MS = 10_000;

function kvmOpenable(): boolean {
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return 'unknown';
  }
}

/** Boots `kernel` under KVM with no disk; true when it prints "Linux version" on the serial console in time. */
export async function kvmProbe(
  kernel: string,
  qemu = 'qemu-system-x86_64',
  ms = KVM_PROBE_MS,
): Promise<boolean> {
  const dir = await mkdtemp(join(tmpdir(), 'crawl-lab-kvm-probe-'));
  const log = join(dir, 'console.log');
  try {
    const child = spawn(
      qemu,
      [
        '-accel',
        'kvm',
        '-cpu',
        'host',
        '-m',
        '256',
        '-display',
        'none',
        '-nodefaults',
        '-no-user-config',
        '-serial',
        `file:${log}`,
        '-kernel',
        kernel,
        '-append',
        'console=ttyS0 panic=-1',
      ],
      { stdio: 'ignore' },
    );
    const exited = new Promise<void>((r) => child.on('close', () => r()));
    child.on('error', () => {});
    const end = Date.now() + ms;
    let seen = false;
    while (Date.now() < end && !seen) {
      await new Promise((r) => setTimeout(r, 250));
      seen = existsSync(log) && (await readFile(log, 'utf8')).includes('Linux version');
    }
    child.kill('SIGKILL');
    await exited;
    return seen;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** What the probe would say without running it: undefined when only a probe can tell. */
export function accelWithoutProbe(setting: AccelSetting): AccelChoice | undefined {
  if (setting === 'tcg')
    return { accel: 'tcg', why: 'TCG (software emulation): qemu.accel: tcg in lab.yaml' };
  if (setting === 'kvm') return { accel: 'kvm', why: 'KVM: qemu.accel: kvm in lab.yaml' };
  if (!kvmOpenable())
    return { accel: 'tcg', why: 'TCG (software emulation, slow): /dev/kvm is missing or not accessible' };
  return undefined;
}

/** The cached probe answer for this kernel and host boot, if any. */
export async function cachedAccel(cacheFile: string, kernel: string): Promise<AccelChoice | undefined> {
  if (!existsSync(cacheFile)) return undefined;
  try {
    const saved = JSON.parse(await readFile(cacheFile, 'utf8')) as { key: string; choice: AccelChoice };
    return saved.key === JSON.stringify({ kernel, bootId: bootId() }) ? saved.choice : undefined;
  } catch {
    return undefined;
  }
}

export async function chooseAccel(
  setting: AccelSetting,
  kernel: string,
  cacheFile: string,
  log: (line: string) => void = () => {},
): Promise<AccelChoice> {
  const fixed = accelWithoutProbe(setting);
  if (fixed) return fixed;
  const cached = await cachedAccel(cacheFile, kernel);
  if (cached) return cached;
  log(`qemu: probing KVM (a guest kernel under KVM for up to ${KVM_PROBE_MS / 1000} s, once per boot)`);
  const works = await kvmProbe(kernel);
  const choice: AccelChoice = works
    ? { accel: 'kvm', why: 'KVM: a probe guest ran under it' }
    : {
        accel: 'tcg',
        why: `TCG (software emulation, slow): /dev/kvm exists but a probe guest under KVM printed nothing in ${KVM_PROBE_MS / 1000} s (nested virtualisation not usable here)`,
      };
  await mkdir(dirname(cacheFile), { recursive: true });
  await writeFile(cacheFile, JSON.stringify({ key: JSON.stringify({ kernel, bootId: bootId() }), choice }));
  return choice;
}
