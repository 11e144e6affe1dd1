/**
 * Slack request signing (Events API and interactivity over HTTP): `v0=` + HMAC-SHA256 of
 * `v0:<timestamp>:<raw body>` with the app's signing secret, and a replay window on the timestamp.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type SignatureVerdict =
  { ok: true } | { ok: false; reason: 'missing headers' | 'stale timestamp' | 'bad signature' };

/** Computes the `X-Slack-Signature` value for a body (also used by the test fake to sign requests). */
export function slackSignature(secret: string, timestamp: string, rawBody: Buffer | string): string {
  return 'v0=' + createHmac('sha256', secret).update(`v0:${timestamp}:`).update(rawBody).digest('hex');
}

/** Checks the signature and that the timestamp lies within `windowSeconds` of `nowMs`. */
export function verifySlackSignature(
  secret: string,
  headers: { signature?: string; timestamp?: string },
  rawBody: Buffer,
  windowSeconds: number,
  nowMs = Date.now(),
): SignatureVerdict {
  const { signature, timestamp } = headers;
  if (!signature || !timestamp || !/^\d+$/.test(timestamp)) return { ok: false, reason: 'missing headers' };
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > windowSeconds) return { ok: false, reason: 'stale timestamp' };
  const expected = Buffer.from(slackSignature(secret, timestamp, rawBody));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given))
    return { ok: false, reason: 'bad signature' };
  return { ok: true };
}
