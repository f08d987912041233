import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Native notification signatures (CONTRACT.md): header
 * `Counterpay-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, with one v1 per
 * valid secret while a rotated secret overlaps the new one.
 */
export const SIGNATURE_HEADER = 'counterpay-signature';
export const DEFAULT_TOLERANCE_S = 300;

export function signNotification(rawBody: string, secrets: string | string[], timestampS = Math.floor(Date.now() / 1000)): string {
  const list = Array.isArray(secrets) ? secrets : [secrets];
  const signatures = list.map((secret) => `v1=${createHmac('sha256', secret).update(`${timestampS}.${rawBody}`).digest('hex')}`);
  return [`t=${timestampS}`, ...signatures].join(',');
}

export class NotificationSignatureError extends Error {
  override name = 'NotificationSignatureError';
}

/**
 * Verifies a notification: the header must carry a timestamp within `toleranceS` of now (refuses
 * replays) and a v1 signature of the exact raw body made with `secret`. Compares in constant time.
 * Throws NotificationSignatureError saying what is wrong; returns the timestamp when valid.
 */
export function verifyNotification(
  rawBody: string,
  header: string | undefined | null,
  secret: string,
  options: { toleranceS?: number; nowS?: number } = {},
): { timestamp: number } {
  if (!header) throw new NotificationSignatureError('No Counterpay-Signature header: is this request from counterpay?');
  const parts = header.split(',').map((p) => p.trim().split('=', 2) as [string, string | undefined]);
  const timestamp = Number(parts.find(([k]) => k === 't')?.[1]);
  const signatures = parts.filter(([k, v]) => k === 'v1' && v).map(([, v]) => v!);
  if (!Number.isInteger(timestamp) || signatures.length === 0) throw new NotificationSignatureError('Malformed Counterpay-Signature header: expected t=<seconds>,v1=<hex>.');
  const nowS = options.nowS ?? Math.floor(Date.now() / 1000);
  const tolerance = options.toleranceS ?? DEFAULT_TOLERANCE_S;
  if (Math.abs(nowS - timestamp) > tolerance) {
    throw new NotificationSignatureError(`Timestamp outside the ${tolerance} s tolerance: a replay, or check your clock.`);
  }
  const expected = Buffer.from(createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex'));
  const matches = signatures.some((s) => {
    const actual = Buffer.from(s);
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  });
  if (!matches) throw new NotificationSignatureError('No signature matches: check the webhook secret, and verify the raw body exactly as received.');
  return { timestamp };
}
