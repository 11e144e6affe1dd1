/**
 * Gives memory back when the process is idle. V8 keeps the old space it grew to (start-up's module
 * loading, a burst of traffic) until a full collection shrinks it, which an idle process may not
 * run for a long time: measured on `hearth start`, one full GC after start-up takes the heap from
 * 60 to 25 MB and RSS from ~108 to ~82 MB. So: one full, compacting collection once the process is
 * ready, and another once it has been idle for a few seconds after the heap grew. A collection
 * blocks the event loop for some milliseconds, which is why it only runs when nothing else does.
 * The utilization is sampled every second, so a burst's garbage goes within ~2–3 s of its end
 * (sampled every 10 s, a 10 s window that held the end of the load was not idle: 10–20 s).
 */
import { performance } from 'node:perf_hooks';
import { Session } from 'node:inspector';
import { getHeapStatistics } from 'node:v8';

export interface IdleGcOptions {
  /** How often the event loop's utilization is sampled. */
  checkMs?: number;
  /** Below this utilization over one sample the process counts as idle. */
  idleBelow?: number;
  /** How many idle samples in a row before a collection (a pause between two bursts is not idleness). */
  idleSamples?: number;
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
  const { checkMs = 1000, idleBelow = 0.02, idleSamples = 2, minGrowthBytes = 8 * 1024 * 1024 } = options;
  const gc = fullGc();
  let afterLast = 0;
  const collect = () => {
    gc();
    afterLast = getHeapStatistics().total_heap_size;
  };
  // Start-up's garbage (module loading, schema compilation) is garbage once the process is ready.
  const first = setTimeout(collect, 1000);
  first.unref();
  let last = performance.eventLoopUtilization();
  let idleInARow = 0;
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    const window = performance.eventLoopUtilization(now, last);
    last = now;
    idleInARow = window.utilization < idleBelow ? idleInARow + 1 : 0;
    if (idleInARow < idleSamples) return;
    // heapTotal without process.memoryUsage()'s RSS read: this runs every second.
    if (getHeapStatistics().total_heap_size - afterLast >= minGrowthBytes) collect();
  }, checkMs);
  timer.unref();
  return () => {
    clearTimeout(first);
    clearInterval(timer);
  };
}
