import { createHash, timingSafeEqual } from 'node:crypto';

/** PingPong v4 response codes (PROTOCOLS.md §1; PingPong's "Status Code" appendix, successCodeList.md). */
export const PP = {
  success: '000000',
  accepted: '001000',
  processing: '002000',
  invalidParameter: '102000',
  authenticationFailed: '103000',
  invalidSignature: '104000',
  invalidOrExpired: '105000',
  invalidCurrency: '106000',
  duplicate: '107000',
  notFound: '107001',
  originalNotFound: '107002',
  refundAboveAmount: '108000',
  refundOutOfTime: '108001',
  refundAboveBalance: '108003',
  declinedInvalidCard: '300000',
  declinedLimitExceeded: '301003',
  declinedExpiredCard: '301008',
  declinedOther: '301099',
  refundFailed: '303000',
  internal: '500000',
  externalError: '600001',
  externalTimeout: '600002',
} as const;

export type PingPongCode = (typeof PP)[keyof typeof PP];

/**
 * Each code's description word for word as the appendix gives it: PingPong answers it as `description`
 * beside the code, and as `resultDescription` beside `resultCode` (the query example's
 * "Transaction declined (other reason)").
 */
export const PP_DESCRIPTIONS: Record<PingPongCode, string> = {
  '000000': 'Transaction succeeded',
  '001000': 'Successful request',
  '002000': 'Transaction processing',
  '102000': 'Invalid or missing parameter',
  '103000': 'Invalid authentication',
  '104000': 'Invalid signature',
  '105000': 'Invalid or expired transaction',
  '106000': 'Invalid transaction currency',
  '107000': 'Transaction failed (duplicated Transaction)',
  '107001': 'Transaction failed (transaction does not exist)',
  '107002': 'Transaction failed (original transaction  does not exist)',
  '108000': 'Refund failed (refund amount exceeded original transaction)',
  '108001': 'Refund failed (out of the range)',
  '108003': 'Refund failed (refund amount exceeded refund balance)',
  '300000': 'Transaction declined (invalid card)',
  '301003': 'Transaction declined (limit exceeded)',
  '301008': 'Transaction declined (expired card)',
  '301099': 'Transaction declined (other reason)',
  '303000': 'Refund failed(refund volume exceeded  or tx reversed or invalid workflow)',
  '500000': 'Error on the internal gateway',
  '600001': 'Request the external gateway error',
  '600002': 'Received external gateway response timeout',
};

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
