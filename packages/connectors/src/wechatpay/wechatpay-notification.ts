import type { WalletCredentials, WalletNotification } from '@counterpay/core';
import { isWechatSignType, verifyWechatParams } from './wechatpay-sign.ts';
import { buildWechatXml, parseWechatXml } from './wechatpay-xml.ts';

/**
 * WeChat Pay v2 payment notifications: signed XML (MD5 unless `sign_type` says otherwise), answered
 * with `<return_code>SUCCESS</return_code>`; anything else makes WeChat retry.
 */
export function readWechatNotification(body: string): WalletNotification | null {
  const params = parseWechatXml(body);
  const outTradeNo = params?.out_trade_no;
  if (!params || !outTradeNo || !params.sign) return null;
  const signType = params.sign_type ?? 'MD5';
  return {
    outTradeNo,
    verify(credentials: WalletCredentials): boolean {
      if (credentials.wallet !== 'wechat' || !isWechatSignType(signType)) return false;
      if (params.mch_id !== credentials.mchId) return false;
      // Service-provider mode: the partner's key signs notifications of every sub-merchant; this one's only count.
      if (credentials.subMchId && params.sub_mch_id !== credentials.subMchId) return false;
      return verifyWechatParams(params, credentials.apiKey, signType);
    },
  };
}

export function wechatNotificationAnswer(accepted: boolean): { contentType: string; body: string } {
  return {
    contentType: 'text/xml',
    body: buildWechatXml(accepted ? { return_code: 'SUCCESS', return_msg: 'OK' } : { return_code: 'FAIL', return_msg: 'signature check failed' }),
  };
}
