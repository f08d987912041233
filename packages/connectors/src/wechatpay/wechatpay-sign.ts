import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * WeChat Pay v2 signatures (PROTOCOLS.md §5): every non-empty parameter except `sign`, sorted by key,
 * `k=v` joined by `&`, then `&key=<API key>`; MD5 or HMAC-SHA256 (keyed with the API key), upper-case hex.
 * `sign_type` itself is a parameter like any other and is signed.
 */
export const WECHAT_SIGN_TYPES = ['MD5', 'HMAC-SHA256'] as const;
export type WechatSignType = (typeof WECHAT_SIGN_TYPES)[number];

export function isWechatSignType(value: unknown): value is WechatSignType {
  return typeof value === 'string' && (WECHAT_SIGN_TYPES as readonly string[]).includes(value);
}

/** The text that is hashed; it contains the API key, so it must never be logged. */
export function wechatSigningString(params: Readonly<Record<string, string>>, apiKey: string): string {
  const pairs = Object.keys(params)
    .filter((key) => key !== 'sign' && params[key] !== '')
    .sort()
    .map((key) => `${key}=${params[key]}`);
  return `${pairs.join('&')}&key=${apiKey}`;
}

export function signWechatParams(params: Readonly<Record<string, string>>, apiKey: string, signType: WechatSignType): string {
  const text = wechatSigningString(params, apiKey);
  switch (signType) {
    case 'MD5':
      return createHash('md5').update(text, 'utf8').digest('hex').toUpperCase();
    case 'HMAC-SHA256':
      return createHmac('sha256', apiKey).update(text, 'utf8').digest('hex').toUpperCase();
    default: {
      const never: never = signType;
      throw new Error(`unsupported WeChat sign type ${String(never)}`);
    }
  }
}

/** Checks `params.sign` in constant time; a missing sign does not verify. */
export function verifyWechatParams(params: Readonly<Record<string, string>>, apiKey: string, signType: WechatSignType): boolean {
  const received = params.sign;
  if (!received) return false;
  const expected = Buffer.from(signWechatParams(params, apiKey, signType), 'utf8');
  const actual = Buffer.from(received.toUpperCase(), 'utf8');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
