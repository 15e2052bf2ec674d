// Types of bin/bundle.js (plain JavaScript: bin/crawl.js loads it before any TypeScript loader).
export declare const ROOT: string;
export declare const CRAWL_SOURCES: readonly string[];
export declare function newestMtime(path: string): number;
export declare function staleSource(
  output: string,
  sources?: readonly string[],
  root?: string,
): string | undefined;
