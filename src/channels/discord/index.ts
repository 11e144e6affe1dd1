/**
 * The Discord channel on discord.js: the Gateway WebSocket (intents, heartbeat, resume — the
 * library's) brings messages in; REST (the library's rate-limit buckets) sends replies out.
 * Messages become `Message`s (inbound.ts), attachments land in the BlobStore, replies stream by
 * editing a message (outbound.ts). A failed login is retried with exponential backoff; a bad
 * payload is logged and skipped (dispatch-guard.ts).
 */
import {
  Client,
  Events,
  GatewayIntentBits,
  Partials,
  type ButtonInteraction,
  type Message as DjsMessage,
  type PartialMessage,
} from 'discord.js';
import type { Channel, ChannelContext, ChannelStatus } from '../../core/channel.js';
import { ErrorCode, HearthError } from '../../core/errors.js';
import type { ReplyEvent, ReplyTarget } from '../../core/message.js';
import type { ChannelDeps } from '../deps.js';
import { Backoff, sleep } from '../shared/backoff.js';
import type { DiscordConfig } from './config.js';
import { guardDispatches } from './dispatch-guard.js';
import { acknowledgePress, pressedLabel } from './buttons.js';
import { factsOf, pressFactsOf } from './events.js';
import { pressToMessage, reactionToMessage, toMessage, type MediaToFetch } from './inbound.js';
import { expandValue } from '../shared/button-values.js';
import { DiscordReplies } from './outbound.js';
import { StatusReporter } from '../shared/status.js';
import { readCapped } from '../shared/download.js';

const CHANNEL = 'discord';

/** Downloads one attachment from Discord's CDN into the BlobStore. */
async function fetchAttachment(item: MediaToFetch, ctx: ChannelContext, maxBytes: number): Promise<void> {
  const response = await fetch(item.url);
  if (!response.ok) throw new Error(`attachment download failed with HTTP ${response.status}`);
  const meta = await ctx.blobs.put(item.blobKey, await readCapped(response, maxBytes), {
    mimeType: item.attachment.mimeType,
    fileName: item.attachment.fileName,
  });
  item.attachment.blobKey = item.blobKey;
  item.attachment.size = meta.size;
}

/** Builds the Discord channel from its channels.yml section. */
export function createChannel(config: DiscordConfig, deps: ChannelDeps): Channel {
  const log = deps.log.child({ channel: CHANNEL });
  const status = new StatusReporter(log, CHANNEL);
  const backoff = new Backoff(config.reconnect.initialDelayMs, config.reconnect.maxDelayMs);
  let stopping = new AbortController();
  let ctx: ChannelContext | undefined;
  let client: Client | undefined;
  let running: Promise<void> | undefined;
  const replies = new DiscordReplies({
    rest: () => client!.rest,
    blobs: () => ctx?.blobs,
    sessions: () => ctx?.sessions,
    log,
    editIntervalMs: config.streamEditIntervalMs,
  });

  async function onMessage(m: DjsMessage | PartialMessage, kind: 'message' | 'edit'): Promise<void> {
    try {
      const me = client?.user;
      if (!me || m.author?.id === me.id) return; // our own messages (and their edits while streaming)
      const result = toMessage(factsOf(m), { channel: CHANNEL, bot: { id: me.id, username: me.username }, kind });
      if (!result.ok) {
        log.warn({ messageId: m.id, reason: result.reason }, 'discord message skipped');
        return;
      }
      for (const item of result.media) {
        await fetchAttachment(item, ctx!, config.maxMediaBytes).catch((err: unknown) => {
          log.warn(
            { messageId: m.id, err: err instanceof Error ? err.message : String(err) },
            'discord attachment download failed',
          );
          item.attachment.description ??= 'A file that could not be downloaded';
        });
      }
      await ctx!.receive(result.message);
    } catch (err) {
      log.warn(
        { messageId: m?.id, reason: err instanceof Error ? err.message : String(err) },
        'discord message skipped',
      );
    }
  }

  /** A press of an answer button: becomes an `action` message; the interaction is always answered. */
  async function onPress(interaction: ButtonInteraction): Promise<void> {
    try {
      const value = await expandValue(interaction.customId, { channel: CHANNEL, sessions: ctx!.sessions });
      if (value === undefined) {
        log.warn({ interactionId: interaction.id }, 'discord button press skipped: its value is gone');
        await acknowledgePress(interaction, { notice: 'This button no longer works.' }, log);
        return;
      }
      const message = pressToMessage(pressFactsOf(interaction, value, pressedLabel(interaction)), CHANNEL);
      const receipt = await ctx!.receive(message);
      await acknowledgePress(interaction, receipt ?? undefined, log);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      log.warn({ interactionId: interaction.id, reason }, 'discord button press not taken');
      await acknowledgePress(interaction, { notice: 'That did not work; please try again.' }, log);
    }
  }

  function buildClient(): Client {
    const c = new Client({
      intents: [
        GatewayIntentBits.Guilds,
        GatewayIntentBits.GuildMessages,
        GatewayIntentBits.MessageContent,
        GatewayIntentBits.DirectMessages,
        GatewayIntentBits.GuildMessageReactions,
        GatewayIntentBits.DirectMessageReactions,
      ],
      // DM channels are not cached until used: without Partials.Channel, DMs never fire messageCreate.
      partials: [Partials.Channel, Partials.Message, Partials.Reaction, Partials.User],
      rest: { api: config.apiBase },
      waitGuildTimeout: config.guildWaitMs,
    });
    guardDispatches(c, log);
    c.on(Events.ClientReady, () => {
      backoff.reset();
      status.set('ready');
    });
    c.on(Events.ShardDisconnect, (event) => status.set('backing-off', `gateway closed (${event.code}); reconnecting`));
    c.on(Events.ShardReconnecting, () => status.set('backing-off', 'gateway reconnecting'));
    c.on(Events.ShardResume, () => status.set('ready'));
    c.on(Events.ShardReady, () => status.set('ready'));
    c.on(Events.ShardError, (err) => log.warn({ err: err.message }, 'discord gateway error'));
    c.on(Events.Error, (err) => log.warn({ err: err.message }, 'discord client error'));
    c.on(Events.Invalidated, () => {
      status.set('backing-off', 'session invalidated; logging in again');
      void relogin();
    });
    c.on(Events.MessageCreate, (m) => void onMessage(m, 'message'));
    c.on(Events.MessageUpdate, (_old, m) => {
      if (m.editedTimestamp) void onMessage(m, 'edit');
    });
    c.on(Events.InteractionCreate, (interaction) => {
      if (interaction.isButton() && ctx) void onPress(interaction);
    });
    c.on(Events.MessageReactionAdd, (reaction, user) => {
      if (user.id === c.user?.id || !ctx) return;
      const channel = reaction.message.channel;
      const inThread = channel?.isThread?.() ?? false;
      const message = reactionToMessage(
        {
          messageId: reaction.message.id,
          channelId: reaction.message.channelId,
          guildId: reaction.message.guildId,
          threadParentId: inThread && 'parentId' in channel ? channel.parentId : null,
          emoji: reaction.emoji.name ?? reaction.emoji.id ?? '?',
          user: { id: user.id, username: user.username, bot: user.bot ?? false },
          at: Date.now(),
        },
        CHANNEL,
      );
      ctx.receive(message).catch((err: unknown) => log.warn({ err: String(err) }, 'discord reaction skipped'));
    });
    return c;
  }

  /** Logs in, retrying with backoff until it works, the token is refused, or the channel stops. */
  async function connect(): Promise<void> {
    while (!stopping.signal.aborted) {
      client = buildClient();
      try {
        status.connecting();
        await client.login(config.token);
        return;
      } catch (err) {
        await client.destroy().catch(() => undefined);
        if (stopping.signal.aborted) return;
        const code = (err as { code?: string }).code;
        if (code === 'TokenInvalid') {
          status.set('failed', 'Discord rejected the bot token (401)');
          return;
        }
        if (code === 'DisallowedIntents') {
          status.set('failed', 'Discord refused the intents: enable the Message Content intent for the bot');
          return;
        }
        const delay = backoff.next();
        status.retrying(err instanceof Error ? err.message : String(err), delay);
        await sleep(delay, stopping.signal);
      }
    }
  }

  async function relogin(): Promise<void> {
    await client?.destroy().catch(() => undefined);
    running = connect();
  }

  return {
    name: CHANNEL,
    async start(context: ChannelContext) {
      ctx = context;
      running = connect();
    },
    /** Logs out and in again (an admin's Reconnect): replies in flight keep going once the new session is up. */
    async reconnect() {
      if (!ctx) throw new HearthError(ErrorCode.channel, 'the discord channel has not started', 409);
      stopping.abort();
      await running;
      await client?.destroy().catch(() => undefined);
      stopping = new AbortController();
      backoff.reset();
      status.set('stopped', 'reconnecting (requested by an admin)');
      running = connect();
    },
    deliver(target: ReplyTarget, event: ReplyEvent) {
      if (!client) return Promise.resolve();
      return replies.deliver(target, event);
    },
    status(): ChannelStatus {
      return status.get();
    },
    async stop() {
      stopping.abort();
      replies.close();
      await running;
      await client?.destroy().catch(() => undefined);
      status.set('stopped');
    },
  };
}
