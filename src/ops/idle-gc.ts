/**
 * Gives memory back when the process is idle. V8 keeps the old space it grew to (start-up's module
 * loading, a burst of traffic) until a full collection shrinks it, which an idle process may not
 * run for a long time: measured on `hearth start`, one full GC after start-up takes the heap from
 * 60 to 25 MB and RSS from ~108 to ~82 MB. So: one full, compacting collection once the process is
 * ready, and another whenever it has been idle for a while after the heap grew. A collection
 * blocks the event loop for some milliseconds, which is why it only runs when nothing else does.
 */
import { performance } from 'node:perf_hooks';
import { Session } from 'node:inspector';

export interface IdleGcOptions {
  /** How often the event loop's utilization is sampled. */
  checkMs?: number;
  /** Below this utilization over one sample the process counts as idle. */
  idleBelow?: number;
  /** Collect only when the heap grew by at least this many bytes since the last collection. */
  minGrowthBytes?: number;
}

/**
 * The collection the inspector's "collect garbage" runs (V8's low-memory notification: full,
 * compacting, pages given back), through an in-process inspector session — no port is opened. A
 * plain full GC (`--expose-gc`'s `gc()`) frees the objects but leaves the old space at its size.
 */
function fullGc(): () => void {
  const session = new Session();
  session.connect();
  return () => session.post('HeapProfiler.collectGarbage');
}

/** Starts the idle collector; returns a function that stops it. */
export function collectWhenIdle(options: IdleGcOptions = {}): () => void {
  const { checkMs = 10_000, idleBelow = 0.02, minGrowthBytes = 8 * 1024 * 1024 } = options;
  const gc = fullGc();
  let afterLast = 0;
  const collect = () => {
    gc();
    afterLast = process.memoryUsage().heapTotal;
  };
  // Start-up's garbage (module loading, schema compilation) is garbage once the process is ready.
  const first = setTimeout(collect, 1000);
  first.unref();
  let last = performance.eventLoopUtilization();
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    const window = performance.eventLoopUtilization(now, last);
    last = now;
    if (window.utilization < idleBelow && process.memoryUsage().heapTotal - afterLast >= minGrowthBytes) collect();
  }, checkMs);
  timer.unref();
  return () => {
    clearTimeout(first);
    clearInterval(timer);
  };
}
