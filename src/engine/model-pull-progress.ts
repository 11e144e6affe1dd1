/**
 * How `hearth models pull` shows progress: a redrawn bar on a terminal, a few plain lines when
 * stdout is a pipe or a log file (no carriage-return noise in CI logs).
 */

export interface PullProgress {
  /** Bytes in the part file, resumed bytes included. */
  received: number;
  /** Full file size when the server said it. */
  total?: number;
}

const mb = (bytes: number) => (bytes / 1_000_000).toFixed(1);

/**
 * One progress bar line, e.g. `[########------------]  42%  210.3/491.4 MB  12.3 MB/s`.
 * Without a total it shows the bytes and speed only.
 */
export function renderProgressBar(progress: PullProgress, bytesPerSecond: number, width = 24): string {
  const speed = `${mb(bytesPerSecond)} MB/s`;
  if (!progress.total) return `${mb(progress.received)} MB  ${speed}`;
  const ratio = Math.min(1, progress.received / progress.total);
  const filled = Math.round(ratio * width);
  const percent = `${Math.floor(ratio * 100)}%`.padStart(4);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${percent}  ${mb(progress.received)}/${mb(progress.total)} MB  ${speed}`;
}

export interface ProgressReporter {
  /** Pass as `pullModel({ onProgress })`. */
  onProgress(progress: PullProgress): void;
  /** Ends the bar's line. */
  done(): void;
}

/**
 * Reports progress to `out` (normally `process.stdout`): a bar redrawn at most 10 times a second
 * on a TTY, otherwise a plain line at each quarter.
 */
export function createProgressReporter(
  out: { isTTY?: boolean; write(text: string): unknown },
  now: () => number = Date.now,
): ProgressReporter {
  const startedAt = now();
  let firstReceived: number | undefined;
  let lastDraw = 0;
  let lastQuarter = -1;
  let drewBar = false;
  let last: PullProgress | undefined;

  const speed = (p: PullProgress) => {
    const seconds = Math.max(0.001, (now() - startedAt) / 1000);
    return (p.received - (firstReceived ?? 0)) / seconds;
  };

  return {
    onProgress(p) {
      firstReceived ??= p.received;
      last = p;
      if (out.isTTY) {
        const t = now();
        if (t - lastDraw < 100 && p.received !== p.total) return;
        lastDraw = t;
        drewBar = true;
        out.write(`\r${renderProgressBar(p, speed(p))}\x1b[K`);
        return;
      }
      if (!p.total) return;
      const quarter = Math.floor((p.received / p.total) * 4);
      if (quarter <= lastQuarter) return;
      lastQuarter = quarter;
      out.write(`${Math.min(100, quarter * 25)}%  ${mb(p.received)}/${mb(p.total)} MB\n`);
    },
    done() {
      if (drewBar) out.write('\n');
      else if (!out.isTTY && last && !last.total) out.write(`${mb(last.received)} MB\n`);
    },
  };
}
