import type { Transport } from '../../provision/types.ts';

/**
 * CPU and peak memory of the article's workers on one node, read from /proc
 * by the node's own python3 (which the scrapy-redis venv step installed): the
 * processes whose command line names the spider file. Works the same under
 * systemd and under the stand-ins' supervisor. Must run before they stop.
 */
const USAGE = `
import os, sys
spider = sys.argv[1]
tick = os.sysconf("SC_CLK_TCK")
cpu, rss, n = 0.0, 0, 0
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            if spider.encode() not in f.read():
                continue
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        with open(f"/proc/{pid}/status") as f:
            hwm = [l for l in f if l.startswith("VmHWM:")]
    except OSError:
        continue
    n += 1
    cpu += (int(fields[11]) + int(fields[12])) / tick
    rss = max(rss, int(hwm[0].split()[1]) if hwm else 0)
print(n, round(cpu * 1000), rss)
`;

export interface NodeUsage {
  processes: number;
  cpuMs: number;
  /** The largest peak resident set of one worker process, MB. */
  maxRssMb: number;
}

export async function scrapyUsage(t: Transport, spiderPath: string): Promise<NodeUsage> {
  const r = await t.run(['python3', '-c', USAGE, spiderPath], { nothrow: true, timeoutMs: 30_000 });
  const [n, cpu, rss] = r.stdout.trim().split(/\s+/).map(Number);
  return { processes: n || 0, cpuMs: cpu || 0, maxRssMb: Math.round((rss || 0) / 1024) };
}
