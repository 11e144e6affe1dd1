/**
 * Bridges node-llama-cpp's callbacks (`onTextChunk`, `onFunctionCall`) to an async iterator: the
 * generation pushes parts as tokens come out, the provider's `stream()` pulls them.
 */
export class PartQueue<T> implements AsyncIterable<T> {
  private items: T[] = [];
  private ended = false;
  private failure: { error: unknown } | undefined;
  private wake: (() => void) | undefined;

  /** Adds a part; ignored once the queue has ended. */
  push(item: T): void {
    if (this.ended) return;
    this.items.push(item);
    this.notify();
  }

  /** Ends the stream after the parts already queued. */
  end(): void {
    this.ended = true;
    this.notify();
  }

  /** Ends the stream with an error, thrown after the parts already queued. */
  fail(error: unknown): void {
    if (this.ended) return;
    this.failure = { error };
    this.end();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      const item = this.items.shift();
      if (item !== undefined) {
        yield item;
        continue;
      }
      if (this.ended) {
        if (this.failure) throw this.failure.error;
        return;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
