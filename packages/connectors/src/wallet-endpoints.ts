import { ValidationError, type Wallet } from '@counterpay/core';

/**
 * Where a wallet account lives (CONTRACT.md "Live mode"): a name, or any http(s) URL (Alipay: the full
 * gateway URL; WeChat Pay: the base URL the v2 paths are appended to).
 */
export const WALLET_ENDPOINTS: Readonly<Record<Wallet, Readonly<Record<string, string>>>> = {
  alipay: {
    production: 'https://openapi.alipay.com/gateway.do',
    sandbox: 'https://openapi-sandbox.dl.alipaydev.com/gateway.do',
  },
  wechat: {
    production: 'https://api.mch.weixin.qq.com',
    hk: 'https://apihk.mch.weixin.qq.com',
  },
};

/** The URL a name or URL stands for; a `ValidationError` (`invalid_endpoint`) when it is neither. */
export function resolveWalletEndpoint(wallet: Wallet, endpoint: string): string {
  const named = WALLET_ENDPOINTS[wallet];
  if (Object.hasOwn(named, endpoint)) return named[endpoint]!;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    const names = Object.keys(named).join(', ');
    throw new ValidationError('invalid_endpoint', `The ${wallet} endpoint must be one of ${names} or an http(s) URL.`, 'endpoint');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ValidationError('invalid_endpoint', `The ${wallet} endpoint must be an http(s) URL.`, 'endpoint');
  }
  if (url.username || url.password) {
    throw new ValidationError('invalid_endpoint', `The ${wallet} endpoint must not carry credentials.`, 'endpoint');
  }
  // WeChat Pay's paths are appended to the base URL: no trailing slash. Alipay's URL is used as given.
  return wallet === 'wechat' ? endpoint.replace(/\/+$/, '') : endpoint;
}
