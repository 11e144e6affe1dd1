/**
 * One client of a room as the room sees it: it can be sent frames and closed, and may or may not
 * edit. The WebSocket route adapts a socket to this; tests and benchmarks need no socket.
 */
export interface Peer {
  /** For log lines: never a credential. */
  readonly id: string;
  readonly canEdit: boolean;
  send(frame: Uint8Array): void;
  close(code: number, reason: string): void;
}

/** Close codes. 44xx: y-websocket clients stop reconnecting (a retry cannot help); 1013: try again later. */
export const CloseCode = {
  malformed: 4400,
  unauthorized: 4401,
  forbidden: 4403,
  notFound: 4404,
  tooLarge: 4413,
  tryAgainLater: 1013,
  goingAway: 1001,
} as const;
