/** Meta webhook signing: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body with the app secret>`. */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Computes the header value for a body (also used by the test fake to sign webhooks). */
export function hubSignature(appSecret: string, rawBody: Buffer | string): string {
  return 'sha256=' + createHmac('sha256', appSecret).update(rawBody).digest('hex');
}

/** Whether `header` is the valid signature of `rawBody`. Constant-time comparison. */
export function verifyHubSignature(appSecret: string, header: string | undefined, rawBody: Buffer): boolean {
  if (!header) return false;
  const expected = Buffer.from(hubSignature(appSecret, rawBody));
  const given = Buffer.from(header);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
