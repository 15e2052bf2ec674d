import type { Agent as UndiciAgent } from 'undici';
import api from 'undici/lib/api/index.js';
// undici's Agent and its request API alone: the package's index also loads fetch,
// WebSocket, the cache store and, through fetch, Node's own copy of undici, which
// costs a worker about 70 ms of CPU and 8 MB of memory at start-up for nothing
// (docs/performance.md). undici has no "exports" map, so these files are reachable;
// the bundle carries them. The version is pinned in package.json.
import AgentClass from 'undici/lib/dispatcher/agent.js';
import DispatcherClass from 'undici/lib/dispatcher/dispatcher.js';

// what undici's index.js does: request(), stream(), ... are methods of every dispatcher
Object.assign((DispatcherClass as { prototype: object }).prototype, api);

/** undici's Agent class, typed as the package's own. */
export const Agent = AgentClass as unknown as typeof UndiciAgent;
export type Agent = UndiciAgent;
