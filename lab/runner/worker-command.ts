/**
 * How a machine starts one crawl worker: plain node on the bundled CLI
 * (npm run build: no TypeScript loader in memory) with a bounded heap. The
 * Tieba crawl keeps about 25 MB of live heap; with V8's default sizing a worker
 * grows to ~170 MB RSS before collecting, with these caps it stays near 112 MB
 * (npm run bench:tieba; README-style spiders: docs/performance.md). Used by the demo, the benchmark and the lab's services.
 */
export const WORKER_HEAP_MB = 96;
/** Young-generation semi-space, MB (V8's default is 16). */
export const SEMI_SPACE_MB = 2;

/** node arguments for one worker; heapMb 0 leaves V8's default heap sizing (semiSpaceMb: the bench's knob). */
export function workerNodeArgs(
  distFile: string,
  crawlArgs: readonly string[],
  heapMb = WORKER_HEAP_MB,
  semiSpaceMb = SEMI_SPACE_MB,
): string[] {
  return [
    ...(heapMb > 0 ? [`--max-old-space-size=${heapMb}`, `--max-semi-space-size=${semiSpaceMb}`] : []),
    distFile,
    ...crawlArgs,
  ];
}
