/**
 * What replicas tell each other about a room over the bus topic `canvas.<room>`: a document update
 * or an awareness update, stamped with the sending replica so it ignores its own echo.
 *
 * Why plain pub/sub (at-most-once) is enough here: Yjs updates are idempotent and commute, and
 * every update is written to the shared room log before it is published. A replica that misses a
 * message (a Redis blip, a late subscription) notices the gap — Yjs parks updates whose causal
 * predecessors are missing — and re-reads the log after the last id it applied, as it also does
 * every `resyncMs`. So the bus only makes the common case fast; correctness comes from the log.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';

export const BUS_DOC = 0;
export const BUS_AWARENESS = 1;

export interface BusFrame {
  from: string;
  kind: typeof BUS_DOC | typeof BUS_AWARENESS;
  payload: Uint8Array;
}

export function roomTopic(room: string): string {
  return `canvas.${room}`;
}

export function encodeBusFrame(f: BusFrame): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarString(e, f.from);
  encoding.writeVarUint(e, f.kind);
  encoding.writeVarUint8Array(e, f.payload);
  return encoding.toUint8Array(e);
}

/** The frame, or undefined for bytes that are not one. */
export function decodeBusFrame(data: Uint8Array): BusFrame | undefined {
  try {
    const d = decoding.createDecoder(data);
    const from = decoding.readVarString(d);
    const kind = decoding.readVarUint(d);
    const payload = decoding.readVarUint8Array(d);
    if (kind !== BUS_DOC && kind !== BUS_AWARENESS) return undefined;
    return { from, kind, payload };
  } catch {
    return undefined;
  }
}
