/**
 * A one-line progress bar on stderr for long CLI commands (`hearth backup`). Drawn only on a
 * terminal; piped or captured output gets no control characters.
 */
export function progressBar(stream: NodeJS.WriteStream = process.stderr): {
  update(done: number, total: number, label: string): void;
  end(): void;
} {
  if (!stream.isTTY) return { update: () => undefined, end: () => undefined };
  const width = 24;
  return {
    update(done, total, label) {
      const filled = total > 0 ? Math.round((done / total) * width) : 0;
      const text = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} ${label}`;
      stream.write(`\r${text.slice(0, (stream.columns ?? 80) - 1).padEnd((stream.columns ?? 80) - 1)}`);
    },
    end() {
      stream.write('\n');
    },
  };
}
