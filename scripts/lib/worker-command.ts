/**
 * How a machine starts one crawl worker: plain node on the bundled CLI
 * (npm run build), with a bounded old-generation heap. The Tieba crawl keeps
 * about 25 MB of live heap; without a cap V8 lets a worker grow to ~200 MB RSS
 * before collecting, with the cap it stays near 130 MB for ~8% more CPU.
 * Used by the demo, the benchmark and the lab's service definitions.
 */
export const WORKER_HEAP_MB = 96;

/** node arguments for one worker; heapMb 0 leaves V8's default heap sizing. */
export function workerNodeArgs(
  distFile: string,
  crawlArgs: readonly string[],
  heapMb = WORKER_HEAP_MB,
): string[] {
  return [...(heapMb > 0 ? [`--max-old-space-size=${heapMb}`] : []), distFile, ...crawlArgs];
}
