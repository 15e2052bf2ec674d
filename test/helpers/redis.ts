// Tests start a real redis-server on a free port; the same code serves the demo and the benchmarks.
export { freePort, startRedis, type TestRedis } from '../../scripts/lib/redis-server.ts';
