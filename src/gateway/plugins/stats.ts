/**
 * The figures behind the console's Dashboard charts: `GET /admin/stats?days=` (viewer) answers,
 * over the last `days` UTC days (7 by default, at most 90):
 *
 * - `channels`: messages and tokens per channel and day, counted from the stored conversations
 *   (the conversations active in the window, at most `MAX_CONVERSATIONS` of them, each read up
 *   to `MAX_MESSAGES` messages back);
 * - `usage`: model tokens and USD per day, user and agent, from the usage records (USD is 0 where
 *   no price is known; `pricesKnown` says whether any turn had one);
 * - `queue`: inbound messages accepted and not yet answered (the `hearth_queue_depth` gauge);
 * - `voice`: calls open now, voice turns and barge-ins since start, when voice is enabled.
 */
import type { GatewayDeps, GatewayPlugin } from '../plugin.js';
import { openObject, responses } from '../route-schema.js';

const DAY_MS = 86_400_000;
const MAX_CONVERSATIONS = 1000;
const MAX_MESSAGES = 2000;

const dayOf = (ms: number) => new Date(Math.floor(ms / DAY_MS) * DAY_MS).toISOString().slice(0, 10);

interface VoiceLike {
  activeCalls: number;
  metrics: { snapshot(): { turns: number; bargeIns: number } };
}
const isVoice = (c: unknown): c is VoiceLike =>
  typeof c === 'object' &&
  c !== null &&
  typeof (c as VoiceLike).activeCalls === 'number' &&
  typeof (c as VoiceLike).metrics?.snapshot === 'function';

const channelDay = openObject(
  {
    day: { type: 'string' },
    channel: { type: 'string' },
    messages: { type: 'integer' },
    tokens: { type: 'integer' },
  },
  ['day', 'channel', 'messages', 'tokens'],
);
const usageDay = openObject(
  {
    day: { type: 'string' },
    userId: { type: 'string' },
    agent: { type: 'string' },
    model: { type: 'string' },
    promptTokens: { type: 'integer' },
    completionTokens: { type: 'integer' },
    costUsd: { type: 'number' },
    turns: { type: 'integer' },
  },
  ['day', 'userId', 'agent', 'promptTokens', 'completionTokens', 'costUsd'],
);

export const statsPlugin: GatewayPlugin<Pick<GatewayDeps, 'stores' | 'metrics' | 'channels'>> = async (app, deps) => {
  app.get<{ Querystring: { days?: number } }>(
    '/admin/stats',
    {
      schema: {
        summary: 'Dashboard figures: messages and tokens per channel and day, cost per user and agent, queue, voice',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { days: { type: 'integer', minimum: 1, maximum: 90, default: 7 } },
        },
        response: responses({
          200: openObject(
            {
              days: { type: 'array', items: { type: 'string' }, description: 'The UTC days covered, oldest first' },
              channels: { type: 'array', items: channelDay },
              usage: { type: 'array', items: usageDay },
              pricesKnown: { type: 'boolean' },
              queue: openObject({ depth: { type: 'number' } }, ['depth']),
              voice: {
                anyOf: [
                  { type: 'null' },
                  openObject(
                    { activeCalls: { type: 'integer' }, turns: { type: 'integer' }, bargeIns: { type: 'integer' } },
                    ['activeCalls', 'turns', 'bargeIns'],
                  ),
                ],
              },
            },
            ['days', 'channels', 'usage', 'pricesKnown', 'queue', 'voice'],
          ),
        }),
      },
    },
    async (req) => {
      const { days = 7 } = req.query;
      const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
      const since = today - (days - 1) * DAY_MS;
      const history = deps.stores.history;

      const perChannel = new Map<string, { day: string; channel: string; messages: number; tokens: number }>();
      const conversations = (await history.listConversations({ limit: MAX_CONVERSATIONS })).filter(
        (c) => c.updatedAt >= since,
      );
      for (const c of conversations) {
        for (const m of await history.recent(c.id, Number.MAX_SAFE_INTEGER, MAX_MESSAGES)) {
          if (m.createdAt < since || m.role === 'system' || m.role === 'tool') continue;
          const day = dayOf(m.createdAt);
          const key = `${day}\u0000${c.channel}`;
          const row = perChannel.get(key) ?? { day, channel: c.channel, messages: 0, tokens: 0 };
          row.messages += 1;
          row.tokens += m.tokens;
          perChannel.set(key, row);
        }
      }
      const usage = await history.usageByDay({ since });

      const depth = (await deps.metrics.registry.getSingleMetric('hearth_queue_depth')?.get())?.values[0]?.value ?? 0;
      const voice = deps.channels().find((c) => c.name === 'voice');
      const voiceFigures = isVoice(voice)
        ? { activeCalls: voice.activeCalls, ...pick(voice.metrics.snapshot()) }
        : null;

      return {
        days: Array.from({ length: days }, (_, i) => dayOf(since + i * DAY_MS)),
        channels: [...perChannel.values()].sort(
          (a, b) => a.day.localeCompare(b.day) || a.channel.localeCompare(b.channel),
        ),
        usage,
        pricesKnown: usage.some((u) => u.costUsd > 0),
        queue: { depth },
        voice: voiceFigures,
      };
    },
  );
};

const pick = ({ turns, bargeIns }: { turns: number; bargeIns: number }) => ({ turns, bargeIns });
