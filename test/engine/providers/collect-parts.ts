/** Test-side readers of a provider stream. */
import type { StreamPart, ToolCall } from '../../../src/core/model-provider.js';

/** Every part a stream yields, in order. */
export async function collectParts(stream: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

/** The text deltas, in order. */
export function textDeltas(parts: StreamPart[]): string[] {
  return parts.flatMap((p) => (p.type === 'text-delta' ? [p.text] : []));
}

/** The tool calls, in order. */
export function toolCalls(parts: StreamPart[]): ToolCall[] {
  return parts.flatMap((p) => (p.type === 'tool-call' ? [p.call] : []));
}

/** The finish parts (a good stream has exactly one, last). */
export function finishes(parts: StreamPart[]): Extract<StreamPart, { type: 'finish' }>[] {
  return parts.flatMap((p) => (p.type === 'finish' ? [p] : []));
}

/** Reads the stream and returns the error it throws (fails when it does not throw). */
export async function streamError(stream: AsyncIterable<StreamPart>): Promise<unknown> {
  try {
    for await (const _ of stream) {
      // drain
    }
  } catch (err) {
    return err;
  }
  throw new Error('expected the stream to fail');
}
