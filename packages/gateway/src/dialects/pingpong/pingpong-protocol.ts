import { createHash, timingSafeEqual } from 'node:crypto';

/** PingPong v4 response codes (PROTOCOLS.md §1). */
export const PP = {
  success: '000000',
  accepted: '001000',
  processing: '002000',
  invalidParameter: '102000',
  authenticationFailed: '103000',
  invalidSignature: '104000',
  invalidCurrency: '106000',
  duplicate: '107000',
  notFound: '107001',
  originalNotFound: '107002',
  refundAboveAmount: '108000',
  refundOutOfTime: '108001',
  refundAboveBalance: '108003',
  internal: '500000',
  externalError: '600001',
  externalTimeout: '600002',
} as const;

export class PingPongError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * PingPong's signature: every top-level field but `sign`, empty values skipped, sorted, `k=v&…`, the
 * salt in front, SHA-256 (or MD5), upper-case hex. `bizContent` is signed as the exact text sent.
 */
export function pingPongSignature(fields: Record<string, string>, salt: string, signType: string): string {
  const text =
    salt +
    Object.keys(fields)
      .filter((k) => k !== 'sign' && fields[k] !== '' && fields[k] !== undefined)
      .sort()
      .map((k) => `${k}=${fields[k]}`)
      .join('&');
  return createHash(signType === 'MD5' ? 'md5' : 'sha256').update(text, 'utf8').digest('hex').toUpperCase();
}

export function verifyPingPongSignature(fields: Record<string, string>, sign: unknown, salt: string, signType: string): boolean {
  if (typeof sign !== 'string') return false;
  const expected = Buffer.from(pingPongSignature(fields, salt, signType));
  const actual = Buffer.from(sign.toUpperCase());
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** The signed response envelope; bizContent answered as a string or an object, as the request sent it. */
export function pingPongAnswer(
  account: { accId: string; clientId: string } | null,
  code: string,
  description: string,
  bizContent: Record<string, unknown> | null,
  opts: { salt: string | null; signType: string; bizAsString: boolean },
): string {
  const bizText = bizContent ? JSON.stringify(bizContent) : '';
  const fields: Record<string, string> = { accId: account?.accId ?? '', clientId: account?.clientId ?? '', code, description, bizContent: bizText, signType: opts.signType };
  const sign = opts.salt ? pingPongSignature(fields, opts.salt, opts.signType) : '';
  // The object form is signed over its exact text, which is the text placed in the answer.
  const bizJson = bizContent ? (opts.bizAsString ? JSON.stringify(bizText) : bizText) : 'null';
  return `{"accId":${JSON.stringify(fields.accId)},"clientId":${JSON.stringify(fields.clientId)},"code":"${code}","description":${JSON.stringify(description)},"bizContent":${bizJson},"sign":"${sign}","signType":"${opts.signType}"}`;
}
