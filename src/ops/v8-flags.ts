/**
 * V8 settings `bin/hearth.js` applies before the CLI loads. Only flags V8 reads at each collection
 * work this way (`setFlagsFromString` after start-up does not resize the young generation, for one).
 *
 * Heap growing factor: after a major collection V8 lets the old space grow to a multiple of what
 * survived before it collects again (up to 4× on a server-sized heap). Under load most of what a
 * turn allocates dies young but is promoted while requests are in flight, so the old space fills
 * with garbage: measured with `bench:compare` (2026-12-03), RSS right after the load was 155–184 MB
 * with V8's factor and 138–139 MB with 1.1 (`--heap-growing-percent=10`), for 5 % fewer requests/s
 * at c=32 (bench/README.md). HEARTH_HEAP_GROWING_PERCENT overrides it; 0 keeps V8's own heuristic.
 */
export const DEFAULT_HEAP_GROWING_PERCENT = 10;

/** The flags for this environment, as `setFlagsFromString` takes them (empty: none). */
export function v8Flags(env: NodeJS.ProcessEnv = process.env): string {
  const raw = env.HEARTH_HEAP_GROWING_PERCENT;
  const percent = raw === undefined || raw.trim() === '' ? DEFAULT_HEAP_GROWING_PERCENT : Number(raw);
  if (!Number.isInteger(percent) || percent < 0 || percent > 1000) {
    throw new Error(`HEARTH_HEAP_GROWING_PERCENT: "${raw}" is not a whole number from 0 to 1000`);
  }
  return percent === 0 ? '' : `--heap-growing-percent=${percent}`;
}
