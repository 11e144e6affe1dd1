/** What a built-in skill is: a manifest plus a factory given Hearth's services. */
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import type { HearthConfig } from '../../core/config.js';
import type { ReplyTarget } from '../../core/message.js';
import type { ToolCall } from '../../core/model-provider.js';
import type { ToolContext, ToolResult } from '../../core/tools.js';
import type { BlobStore, HistoryStore, SessionStore } from '../../core/stores.js';
import type { CanvasRooms } from '../../canvas/rooms.js';
import type { SkillManifest } from '../manifest.js';
import type { InProcessSkill } from '../runtimes/in-process/index.js';

export interface BuiltinDeps {
  /** The built-in's own data folder (created before `create`). */
  dataDir: string;
  log: Logger;
  sessions: SessionStore;
  deliver: (target: ReplyTarget, text: string) => Promise<void>;
  settings: HearthConfig['skills'];
  /** Live canvas rooms (the canvas built-in); absent when the canvas is disabled. */
  canvas?: CanvasService;
  /** Where built-ins store files they hand out as attachments. */
  blobs?: BlobStore;
  /** The home hub's device names (`home.devices`): the MQTT and Home Assistant built-ins resolve them. */
  home?: HearthConfig['home'];
  /** Per-conversation memories (the memory built-in), kept in the history store. */
  memories?: Pick<HistoryStore, 'addMemory' | 'listMemories' | 'deleteMemory'>;
  /** Runs a tool call through the skill host (scheduled device actions run this way when due). */
  runTool?: (call: ToolCall, ctx: ToolContext) => Promise<ToolResult>;
}

/** What the canvas built-in needs: this process's room registry and how a room is linked. */
export interface CanvasService {
  rooms: Pick<CanvasRooms, 'edit' | 'elements'>;
  roomUrl(room: string): string;
}

export interface BuiltinSkill {
  manifest: SkillManifest;
  create(deps: BuiltinDeps): InProcessSkill;
  /** A built-in that needs settings (a broker, a server) is loaded only when this says it is configured. */
  configured?(settings: HearthConfig['skills']): boolean;
  /** Relevance keywords taken from the configuration (device names), added to the manifest's. */
  configuredTriggers?(home: HearthConfig['home'] | undefined): string[];
}

/** Reads a string argument or fails with a message the model can act on. */
export function stringArg(args: Record<string, unknown>, name: string): string {
  const v = args[name];
  if (typeof v !== 'string' || v.trim() === '') throw new Error(`missing "${name}"`);
  return v;
}

/** The data folder of a built-in (`<dataDir>/skill-data/<name>`): the skill host's, and the privacy service's. */
export function builtinDataDir(dataDir: string, name: string): string {
  return resolve(dataDir, 'skill-data', name);
}
