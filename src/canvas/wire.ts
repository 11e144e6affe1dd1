/**
 * The canvas socket speaks the y-websocket framing (the field's de-facto wire format, so the
 * page uses the stock `y-websocket` client): binary frames, each a varUint message type, then
 *   0 sync       — a y-protocols sync message (step 1: state vector; step 2 / update: a Yjs update)
 *   1 awareness  — a y-protocols awareness update (cursors, names)
 *   2 auth       — permission denied (the server refused an edit from a view-only client)
 *   3 query awareness
 * Decoding is strict: anything else, or trailing garbage, is malformed.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as authProtocol from 'y-protocols/auth';
import * as syncProtocol from 'y-protocols/sync';

export const MESSAGE_SYNC = 0;
export const MESSAGE_AWARENESS = 1;
export const MESSAGE_AUTH = 2;
export const MESSAGE_QUERY_AWARENESS = 3;

export type ClientMessage =
  | { kind: 'sync-step1'; stateVector: Uint8Array }
  | { kind: 'update'; update: Uint8Array; step2: boolean }
  | { kind: 'awareness'; update: Uint8Array }
  | { kind: 'query-awareness' };

export class MalformedMessage extends Error {}

/** Parses one client frame; throws `MalformedMessage` for anything that is not one. */
export function decodeClientMessage(data: Uint8Array): ClientMessage {
  try {
    const d = decoding.createDecoder(data);
    const type = decoding.readVarUint(d);
    let out: ClientMessage;
    if (type === MESSAGE_SYNC) {
      const sub = decoding.readVarUint(d);
      const body = decoding.readVarUint8Array(d);
      if (sub === syncProtocol.messageYjsSyncStep1) out = { kind: 'sync-step1', stateVector: body };
      else if (sub === syncProtocol.messageYjsSyncStep2 || sub === syncProtocol.messageYjsUpdate)
        out = { kind: 'update', update: body, step2: sub === syncProtocol.messageYjsSyncStep2 };
      else throw new MalformedMessage(`unknown sync message ${sub}`);
    } else if (type === MESSAGE_AWARENESS) out = { kind: 'awareness', update: decoding.readVarUint8Array(d) };
    else if (type === MESSAGE_QUERY_AWARENESS) out = { kind: 'query-awareness' };
    else throw new MalformedMessage(`unknown message type ${type}`);
    if (decoding.hasContent(d)) throw new MalformedMessage('trailing bytes');
    return out;
  } catch (err) {
    if (err instanceof MalformedMessage) throw err;
    throw new MalformedMessage(`undecodable frame: ${(err as Error).message}`);
  }
}

function frame(write: (e: encoding.Encoder) => void): Uint8Array {
  const e = encoding.createEncoder();
  write(e);
  return encoding.toUint8Array(e);
}

export function syncStep1Frame(stateVector: Uint8Array): Uint8Array {
  return frame((e) => {
    encoding.writeVarUint(e, MESSAGE_SYNC);
    encoding.writeVarUint(e, syncProtocol.messageYjsSyncStep1);
    encoding.writeVarUint8Array(e, stateVector);
  });
}

export function syncStep2Frame(update: Uint8Array): Uint8Array {
  return frame((e) => {
    encoding.writeVarUint(e, MESSAGE_SYNC);
    encoding.writeVarUint(e, syncProtocol.messageYjsSyncStep2);
    encoding.writeVarUint8Array(e, update);
  });
}

export function updateFrame(update: Uint8Array): Uint8Array {
  return frame((e) => {
    encoding.writeVarUint(e, MESSAGE_SYNC);
    encoding.writeVarUint(e, syncProtocol.messageYjsUpdate);
    encoding.writeVarUint8Array(e, update);
  });
}

export function awarenessFrame(update: Uint8Array): Uint8Array {
  return frame((e) => {
    encoding.writeVarUint(e, MESSAGE_AWARENESS);
    encoding.writeVarUint8Array(e, update);
  });
}

export function permissionDeniedFrame(reason: string): Uint8Array {
  return frame((e) => {
    encoding.writeVarUint(e, MESSAGE_AUTH);
    authProtocol.writePermissionDenied(e, reason);
  });
}
