import { ValidationError } from '@counterpay/core';
import { describe, expect, it } from 'vitest';
import { resolveWalletEndpoint } from './wallet-endpoints.ts';

describe('wallet endpoints (CONTRACT.md "Live mode")', () => {
  it.each([
    ['alipay', 'production', 'https://openapi.alipay.com/gateway.do'],
    ['alipay', 'sandbox', 'https://openapi-sandbox.dl.alipaydev.com/gateway.do'],
    ['wechat', 'production', 'https://api.mch.weixin.qq.com'],
    ['wechat', 'hk', 'https://apihk.mch.weixin.qq.com'],
  ] as const)('resolves %s %s', (wallet, name, url) => {
    expect(resolveWalletEndpoint(wallet, name)).toBe(url);
  });

  it('takes any http(s) URL: Alipay as given, WeChat Pay without a trailing slash', () => {
    expect(resolveWalletEndpoint('alipay', 'http://127.0.0.1:8090/gateway.do')).toBe('http://127.0.0.1:8090/gateway.do');
    expect(resolveWalletEndpoint('wechat', 'https://sim.example:8443/')).toBe('https://sim.example:8443');
  });

  it.each([
    ['alipay', 'hk'],
    ['wechat', 'sandbox'],
    ['alipay', 'ftp://openapi.alipay.com/gateway.do'],
    ['wechat', 'https://user:secret@api.mch.weixin.qq.com'],
    ['wechat', 'api.mch.weixin.qq.com'],
  ] as const)('refuses %s endpoint %s with invalid_endpoint', (wallet, endpoint) => {
    const attempt = () => resolveWalletEndpoint(wallet, endpoint);
    expect(attempt).toThrow(ValidationError);
    expect(attempt).toThrow(expect.objectContaining({ code: 'invalid_endpoint', param: 'endpoint' }));
  });
});
