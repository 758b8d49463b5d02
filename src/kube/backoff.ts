// Delays shared by the informer (watch restarts), the work queue (per-key retries) and leader election.
import { setTimeout as delay } from 'node:timers/promises';

/** base * 2^attempt, capped. attempt 0 gives base. Overflow-safe for any attempt count. */
export function expBackoff(attempt: number, baseMs: number, maxMs: number): number {
  if (attempt <= 0) return Math.min(baseMs, maxMs);
  const exp = Math.min(attempt, 62); // 2^62 * base is already far past any cap
  return Math.min(baseMs * 2 ** exp, maxMs);
}

/**
 * client-go's wait.Jitter: ms + rand*factor*ms. Jitter only ever lengthens the delay, so a cap stays a lower bound
 * of what the apiserver sees and many replicas restarting together spread out instead of reconnecting in lockstep.
 */
export function jitter(ms: number, factor = 0.2, rand: () => number = Math.random): number {
  if (factor <= 0) return ms;
  return ms + rand() * factor * ms;
}

/** Sleep that ends early (resolving, not rejecting) when the signal aborts, so shutdown never waits out a backoff. */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted || ms <= 0) return;
  try {
    await delay(ms, undefined, signal ? { signal } : undefined);
  } catch (err) {
    if ((err as Error).name !== 'AbortError') throw err;
  }
}
