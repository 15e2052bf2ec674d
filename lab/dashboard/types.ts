/**
 * What the dashboard server knows about the lab, and the snapshot it pushes to
 * pages. The snapshot is plain JSON (SSE and /api/snapshot) and never holds the
 * Redis URL or its password: only host:port.
 */

export type ServiceStatus =
  | { name: string; state: 'running' | 'stopped' }
  | { name: string; state: 'exited'; code: number };

/** A machine of the lab as the dashboard sees it. */
export interface DashboardNode {
  name: string;
  ip?: string;
  role?: string;
  /** Worker ids (as in the crawl stats, `worker/<id>/...`) that run on this node. */
  workerIds: readonly string[];
  /** State of its services now; throwing = the node cannot be reached. */
  services(): Promise<ServiceStatus[]>;
}

export type CrawlStatus = 'waiting' | 'crawling' | 'finished' | 'unreachable';

export interface Totals {
  pages: number;
  items: number;
  retries: number;
  errors: number;
  duplicates: number;
  fingerprints: number;
  queue: number;
  delayed: number;
  startUrls: number;
  leases: number;
  failed: number;
}

export interface WorkerView {
  id: string;
  node: string | null;
  alive: boolean;
  pages: number;
  items: number;
  /** pages/s over the last few polls */
  rate: number;
  leases: number;
}

export interface NodeView {
  name: string;
  ip: string | null;
  role: string | null;
  reachable: boolean;
  services: ServiceStatus[];
  pages: number;
  rate: number;
}

export interface HistoryPoint {
  /** ms since the epoch */
  t: number;
  queue: number;
  fingerprints: number;
  pages: number;
}

export interface Snapshot {
  at: number;
  spider: string;
  /** host:port of Redis, never the password */
  redis: string;
  status: CrawlStatus;
  /** Why Redis could not be read (redacted), when status is 'unreachable'. */
  error: string | null;
  totals: Totals;
  /** pages/s of the whole crawl */
  rate: number;
  workers: WorkerView[];
  nodes: NodeView[];
  history: HistoryPoint[];
  logs: string[];
}
