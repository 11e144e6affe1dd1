/**
 * Keys every channel in channels.yml shares. Each channel's own schema extends these
 * (`channelBase.extend({...})`), so access rules read the same on every platform.
 */
import { z } from 'zod';

/** `allowFrom`: strings (numbers are normalized to strings); `"*"` admits everyone; absent means pairing. */
export const allowFromSchema = z
  .array(z.union([z.string(), z.number().transform((n) => String(n))]))
  .optional()
  .describe(
    'Who may talk: ids or @usernames; "*" admits everyone; absent = pairing (unknown senders get a code an admin approves)',
  );

export const channelBase = {
  enabled: z.boolean().default(true),
  allowFrom: allowFromSchema,
  requireMention: z.boolean().default(true).describe('In groups, answer only when mentioned or replied to'),
  agent: z.string().optional().describe('Agent answering on this channel unless a route says otherwise'),
  maxMediaBytes: z
    .int()
    .positive()
    .default(25 * 1024 * 1024)
    .describe('Largest inbound file downloaded; larger ones are described, not fetched'),
  retentionDays: z
    .int()
    .positive()
    .optional()
    .describe(
      "Delete this channel's messages and their files older than this many days (daily and at start); absent: privacy.retentionDays",
    ),
};

export type ChannelBaseConfig = {
  enabled: boolean;
  allowFrom?: string[];
  requireMention: boolean;
  agent?: string;
  maxMediaBytes: number;
  retentionDays?: number;
};
