/**
 * A bad Gateway payload must never take Hearth down. discord.js trusts the Gateway: a
 * MESSAGE_CREATE whose `d` is null, or whose `attachments` is not a list, throws inside its packet
 * handler, and the throw escapes as an unhandled rejection from the WebSocket's message callback.
 * This guard checks the shape of the events Hearth acts on before discord.js sees them, and
 * catches whatever a handler still throws, so a bad dispatch is logged and skipped like a bad
 * Telegram update.
 */
import type { Client } from 'discord.js';
import type { Logger } from 'pino';

/** A Gateway dispatch as discord.js hands it to its packet handlers. */
export interface GatewayDispatch {
  t?: unknown;
  d?: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isSnowflake = (v: unknown): boolean => typeof v === 'string' && /^\d{1,20}$/.test(v);

/** What is wrong with a message object (MESSAGE_CREATE / MESSAGE_UPDATE `d`), if anything. */
function messageProblem(d: Record<string, unknown>): string | undefined {
  if (!isSnowflake(d.id)) return 'id missing or not a snowflake';
  if (!isSnowflake(d.channel_id)) return 'channel_id missing or not a snowflake';
  if (d.author !== undefined && !(isObject(d.author) && isSnowflake(d.author.id))) return 'author is not a user object';
  for (const list of ['attachments', 'embeds', 'mentions', 'mention_roles', 'components', 'sticker_items']) {
    if (d[list] !== undefined && d[list] !== null && !Array.isArray(d[list])) return `${list} is not an array`;
  }
  const attachments = Array.isArray(d.attachments) ? d.attachments : [];
  if (attachments.some((a) => !isObject(a) || !isSnowflake(a.id) || typeof a.url !== 'string'))
    return 'an attachment lacks id or url';
  if (d.content !== undefined && typeof d.content !== 'string') return 'content is not a string';
  return undefined;
}

/**
 * Why a dispatch of an event Hearth handles (messages and reactions) cannot be used, or
 * undefined when it looks like what Discord documents. Other events pass unchecked.
 */
export function dispatchProblem(packet: GatewayDispatch): string | undefined {
  switch (packet.t) {
    case 'MESSAGE_CREATE':
    case 'MESSAGE_UPDATE':
      return isObject(packet.d) ? messageProblem(packet.d) : 'data is not an object';
    case 'INTERACTION_CREATE': {
      const d = packet.d;
      if (!isObject(d)) return 'data is not an object';
      if (!isSnowflake(d.id) || typeof d.token !== 'string' || typeof d.type !== 'number')
        return 'id, token or type missing';
      if (d.type === 3 && !(isObject(d.data) && typeof d.data.custom_id === 'string' && isObject(d.message)))
        return 'component interaction without custom_id or message';
      return d.type === 3 ? messageProblem(d.message as Record<string, unknown>) : undefined;
    }
    case 'MESSAGE_REACTION_ADD': {
      const d = packet.d;
      if (!isObject(d)) return 'data is not an object';
      if (!isSnowflake(d.user_id) || !isSnowflake(d.channel_id) || !isSnowflake(d.message_id))
        return 'user_id, channel_id or message_id missing';
      return isObject(d.emoji) ? undefined : 'emoji is not an object';
    }
    default:
      return undefined;
  }
}

/**
 * Wraps the client's packet handling (`client.ws.handlePacket`, which every dispatch and the
 * pre-READY queue go through) with the shape check and a catch-all. Call once, right after the
 * client is built.
 */
export function guardDispatches(client: Client, log: Logger): void {
  const ws = client.ws as unknown as { handlePacket(packet?: GatewayDispatch, shard?: unknown): boolean };
  const handle = ws.handlePacket.bind(ws);
  ws.handlePacket = (packet, shard) => {
    const problem = packet ? dispatchProblem(packet) : undefined;
    if (problem) {
      log.warn({ event: String(packet!.t), reason: problem }, 'discord dispatch skipped');
      return true;
    }
    try {
      return handle(packet, shard);
    } catch (err) {
      log.warn(
        { event: String(packet?.t), reason: err instanceof Error ? err.message : String(err) },
        'discord dispatch skipped',
      );
      return true;
    }
  };
}
