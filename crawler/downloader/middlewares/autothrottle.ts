import type { Settings } from '../../settings/defaults.ts';

/**
 * Scrapy's AutoThrottle (scrapy/extensions/throttle.py), per host: aim for
 * `autothrottleTargetConcurrency` requests in flight on average by setting the
 * delay between request starts to latency / targetConcurrency, smoothed.
 */

/** Delay in seconds a host starts with: never below downloadDelay. */
export function initialDelay(settings: Settings): number {
  if (!settings.autothrottleEnabled) return settings.downloadDelay;
  return Math.max(settings.downloadDelay, settings.autothrottleStartDelay);
}

/**
 * The host's next delay (seconds) after a response with `status` that took
 * `latencySeconds`. new = max(target, (old + target) / 2), clamped to
 * [downloadDelay, autothrottleMaxDelay]; a non-200 never lowers the delay,
 * because errors are often fast and would otherwise speed up a struggling server.
 */
export function nextDelay(
  oldDelay: number,
  latencySeconds: number,
  status: number,
  settings: Settings,
): number {
  const target = latencySeconds / settings.autothrottleTargetConcurrency;
  let next = Math.max(target, (oldDelay + target) / 2);
  next = Math.min(Math.max(settings.downloadDelay, next), settings.autothrottleMaxDelay);
  if (status !== 200 && next <= oldDelay) return oldDelay;
  return next;
}
