/**
 * The channels of a gateway and how each admits senders: the built-in surfaces (the
 * OpenAI-compatible API, the web chat, voice when enabled) and the chat platforms enabled in
 * channels.yml, loaded on demand from their definitions (src/channels/definitions.ts).
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Authenticator, RequireRole } from '../core/auth.js';
import type { Channel } from '../core/channel.js';
import type { HearthConfig } from '../core/config.js';
import type { HistoryStore } from '../core/stores.js';
import { ApiChannel } from '../channels/api/index.js';
import type { ChannelBaseConfig } from '../channels/common-config.js';
import type { ChannelsFile } from '../channels/config.js';
import { channelDefinition } from '../channels/definitions.js';
import type { ChannelDeps } from '../channels/deps.js';
import { WebChatChannel } from '../channels/webchat/index.js';
import type { ChannelPolicy } from './pipeline/compose.js';
import { createOnce } from '../security/exclusive-file.js';
import { securityPaths } from '../security/data-files.js';

export interface GatewayChannels {
  channels: Channel[];
  policies: Map<string, ChannelPolicy>;
}

/** Whether the server listens on a loopback address only (surfaces are open there by default). */
export function onLoopback(config: HearthConfig): boolean {
  return ['127.0.0.1', '::1', 'localhost'].includes(config.server.host);
}

/** `auto` means open on loopback and token elsewhere (webchat.auth, voice.auth). */
export function surfaceAuth(setting: 'auto' | 'token' | 'open', config: HearthConfig): 'token' | 'open' {
  return setting === 'auto' ? (onLoopback(config) ? 'open' : 'token') : setting;
}

/** The built-in surfaces; each authenticates its callers itself (trusted by the pipeline). */
export async function builtinChannels(
  config: HearthConfig,
  deps: {
    authenticator: Authenticator;
    requireRole: RequireRole;
    history: HistoryStore;
    listModels: () => Array<{ id: string; provider: string }>;
    log: Logger;
    dataDir: string;
  },
): Promise<Channel[]> {
  const out: Channel[] = [new ApiChannel({ guard: deps.requireRole('viewer'), listModels: deps.listModels })];
  if (config.webchat.enabled) {
    out.push(
      new WebChatChannel({
        auth: deps.authenticator,
        requireAuth: surfaceAuth(config.webchat.auth, config) === 'token',
        history: deps.history,
        maxPayload: config.server.bodyLimit,
        identityKey: webChatIdentityKey(deps.dataDir),
        features: { voice: config.voice.enabled },
      }),
    );
  }
  if (config.voice.enabled) {
    // Loaded only when enabled: WebRTC, Opus and RNNoise cost start-up time and memory.
    const { createVoiceChannel } = await import('../voice/index.js');
    out.push(
      createVoiceChannel(config.voice, {
        auth: deps.authenticator,
        requireAuth: surfaceAuth(config.voice.auth, config) === 'token',
        log: deps.log.child({ channel: 'voice' }),
        dataDir: deps.dataDir,
      }),
    );
  }
  return out;
}

/**
 * The key web chat identities are signed with: 256 random bits in the data folder's security
 * directory, created once (replicas sharing the folder agree on it, like the JWT signing key).
 */
function webChatIdentityKey(dataDir: string): Buffer {
  const file = join(securityPaths(dataDir).dir, 'webchat-identity.key');
  return Buffer.from(createOnce(file, randomBytes(32).toString('base64url')).trim(), 'base64url');
}

/** The policy of a built-in surface: callers are authenticated by the surface, no mention rule. */
export function builtinPolicy(channel: Channel): ChannelPolicy {
  // The API is limited per token on the HTTP side; the web chat and voice send many messages over one connection.
  return { trusted: true, limitSenders: channel.name !== 'api', requireMention: false };
}

/**
 * The chat platforms enabled in channels.yml, with their policies. `testing` (tests only) is
 * handed to each named channel's factory (see `HearthOptions.channelTesting`).
 */
export async function platformChannels(
  file: ChannelsFile,
  deps: ChannelDeps,
  testing: Record<string, unknown> = {},
): Promise<GatewayChannels> {
  const channels: Channel[] = [];
  const policies = new Map<string, ChannelPolicy>();
  for (const [name, cfg] of Object.entries(file) as Array<[string, ChannelBaseConfig | undefined]>) {
    const definition = channelDefinition(name);
    if (!cfg || !cfg.enabled || !definition) continue;
    const { createChannel } = await definition.load();
    channels.push(
      await createChannel(cfg as never, { ...deps, log: deps.log.child({ channel: name }) }, testing[name] as never),
    );
    policies.set(name, {
      trusted: false,
      limitSenders: true,
      allowFrom: cfg.allowFrom,
      requireMention: cfg.requireMention,
      agent: cfg.agent,
    });
  }
  return { channels, policies };
}
