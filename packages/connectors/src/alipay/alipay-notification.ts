import type { WalletCredentials, WalletNotification } from '@counterpay/core';
import { alipayKeys, type AlipayKeys } from './alipay-keys.ts';
import { alipaySigningString, verifyAlipayContent } from './alipay-sign.ts';

/**
 * Alipay asynchronous notifications: a form POST, RSA2-signed over every parameter except `sign` and
 * `sign_type` (PROTOCOLS.md §4), answered with the plain text `success`.
 */
export function readAlipayNotification(body: string): WalletNotification | null {
  const params = Object.fromEntries(new URLSearchParams(body));
  const outTradeNo = params.out_trade_no;
  if (!outTradeNo || !params.sign) return null;
  const { sign, sign_type: _signType, ...signed } = params;
  return {
    outTradeNo,
    verify(credentials: WalletCredentials): boolean {
      if (credentials.wallet !== 'alipay') return false;
      if (signed.app_id !== undefined && signed.app_id !== credentials.appId) return false;
      let keys: AlipayKeys;
      try {
        keys = alipayKeys(credentials);
      } catch {
        return false;
      }
      // Public key mode: the platform key; certificate mode: the key of the Alipay certificate.
      return verifyAlipayContent(alipaySigningString(signed), sign, keys.verifyKey);
    },
  };
}

export function alipayNotificationAnswer(accepted: boolean): { contentType: string; body: string } {
  return { contentType: 'text/plain', body: accepted ? 'success' : 'fail' };
}
