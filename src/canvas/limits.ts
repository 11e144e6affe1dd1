/** The limits a room server enforces (the `canvas` config section supplies them). */
export interface CanvasLimits {
  /** Largest single Yjs update or awareness message from a client, in bytes. */
  maxUpdateBytes: number;
  /** Largest room (snapshot plus log), in bytes; updates beyond it are refused. */
  maxRoomBytes: number;
  /** Most clients connected to one room on one server. */
  maxClientsPerRoom: number;
  /** Most rooms held in memory at once; idle ones are unloaded first. */
  maxLoadedRooms: number;
  /** Messages one client may send per second (a stroke being drawn is ~60). */
  clientMessagesPerSec: number;
  /** A room nobody is connected to is unloaded from memory after this long. */
  idleUnloadMs: number;
  /** Log entries after which a room's log is folded into its snapshot. */
  compactEvery: number;
  /** How often a loaded room re-reads the log for updates another replica wrote and it missed. */
  resyncMs: number;
}
