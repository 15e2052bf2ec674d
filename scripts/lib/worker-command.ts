/**
 * How a machine starts one crawl worker: plain node on the bundled CLI
 * (npm run build), with a bounded old-generation heap. The Tieba crawl keeps
 * about 25 MB of live heap; without a cap V8 lets a worker grow to ~200 MB RSS
 * before collecting, with the cap it stays near 130 MB for ~8% more CPU.
 * Used by the demo, the benchmark and the lab's service definitions.
 */
export const WORKER_HEAP_MB = 96;

export function workerNodeArgs(distFile: string, crawlArgs: readonly string[]): string[] {
  return [`--max-old-space-size=${WORKER_HEAP_MB}`, distFile, ...crawlArgs];
}
