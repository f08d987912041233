import { createHash, timingSafeEqual } from 'node:crypto';

/** ScanForPay result codes (PROTOCOLS.md §2). */
export const SFP = {
  success: 1,
  failed: 2,
  unauthorised: 3,
  parameterMissing: 4,
  parameterInvalid: 5,
  malformedJson: 6,
  missingOrderNumber: 7,
  badSignature: 8,
  unknownError: 9,
  resultUnknown: 21,
  upstreamFailed: 22,
  orderNotFound: 30,
  duplicateOrder: 31,
  illegalStatus: 32,
  orderClosed: 33,
  cannotCancel: 34,
  refundExceeds: 35,
  merchantConfig: 40,
} as const;

/** Thrown inside the dialect; rendered as a signed (when the partner is known) ScanForPay answer. */
export class ScanForPayError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** signature = lower-case hex SHA-256 of (the exact `request`/`response` JSON text + the sign key). */
export function scanForPaySignature(rawText: string, signKey: string): string {
  return createHash('sha256').update(rawText + signKey, 'utf8').digest('hex');
}

export function verifyScanForPaySignature(rawText: string, signature: unknown, signKey: string): boolean {
  if (typeof signature !== 'string') return false;
  const expected = Buffer.from(scanForPaySignature(rawText, signKey));
  const actual = Buffer.from(signature.toLowerCase());
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** RFC 3339 with the +08:00 offset ScanForPay's examples use. */
export function rfc3339Cst(iso: string): string {
  return `${new Date(Date.parse(iso) + 8 * 3600 * 1000).toISOString().slice(0, 19)}+08:00`;
}

/** Builds the signed answer envelope; the signature covers exactly the `response` text sent. */
export function scanForPayAnswer(partnerNo: string, reqMsgId: string, body: Record<string, unknown>, signKey: string | null): string {
  const response = JSON.stringify({
    header: { partnerNo, respTime: rfc3339Cst(new Date().toISOString()), signType: 'SHA256', version: '1.0', reqMsgId },
    body,
  });
  return `{"response":${response},"signature":"${signKey ? scanForPaySignature(response, signKey) : ''}"}`;
}
