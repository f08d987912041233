import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { signWechatParams, verifyWechatParams, wechatSigningString, type WechatSignType } from './wechatpay-sign.ts';

// PROTOCOLS.md §5: WeChat Pay's public signature example.
const vector = { appid: 'wxd930ea5d5a258f4f', mch_id: '10000100', device_info: '1000', body: 'test', nonce_str: 'ibuaiVcKdpRxkhJA' };
const vectorKey = '192006250b4c09247ec02edce69f6a2d';

/** tenpay (a widely used WeChat Pay v2 client) is CommonJS without types: load it as its own code sees itself. */
interface TenpayPayment {
  _getSign(params: Record<string, string>, type?: string): string;
}
const tenpay = createRequire(import.meta.url)('tenpay') as { init(config: { appid: string; mchid: string; partnerKey: string }): TenpayPayment };

describe('WeChat Pay v2 signatures', () => {
  it('builds the signing string of the public example', () => {
    expect(wechatSigningString(vector, vectorKey)).toBe(
      'appid=wxd930ea5d5a258f4f&body=test&device_info=1000&mch_id=10000100&nonce_str=ibuaiVcKdpRxkhJA&key=192006250b4c09247ec02edce69f6a2d',
    );
  });

  it('signs the public example with MD5', () => {
    expect(signWechatParams(vector, vectorKey, 'MD5')).toBe('9A0A8659F005D6984697E2CA0A9CF3B7');
  });

  it('signs the public example with HMAC-SHA256', () => {
    expect(signWechatParams(vector, vectorKey, 'HMAC-SHA256')).toBe('6A9AE1657590FD6257D693A078E1C3E4BB6BA4DC30B23E0EE2496E54170DACD6');
  });

  it('leaves out empty values and the sign itself', () => {
    const withExtras = { ...vector, sign: 'WHATEVER', attach: '' };
    expect(signWechatParams(withExtras, vectorKey, 'MD5')).toBe('9A0A8659F005D6984697E2CA0A9CF3B7');
  });

  it.each<WechatSignType>(['MD5', 'HMAC-SHA256'])('verifies a %s signature and rejects a tampered or missing one', (signType) => {
    const signed = { ...vector, sign_type: signType, total_fee: '1' };
    const sign = signWechatParams(signed, vectorKey, signType);
    expect(verifyWechatParams({ ...signed, sign }, vectorKey, signType)).toBe(true);
    expect(verifyWechatParams({ ...signed, sign: sign.toLowerCase() }, vectorKey, signType)).toBe(true);
    expect(verifyWechatParams({ ...signed, total_fee: '2', sign }, vectorKey, signType)).toBe(false);
    expect(verifyWechatParams({ ...signed, sign }, 'another key', signType)).toBe(false);
    expect(verifyWechatParams(signed, vectorKey, signType)).toBe(false);
  });

  it.each<WechatSignType>(['MD5', 'HMAC-SHA256'])('agrees with tenpay\'s own %s signer', (signType) => {
    const apiKey = 'a8f5f167f44f4964e6c998dee827110c';
    const payment = tenpay.init({ appid: 'wx2421b1c4370ec43b', mchid: '10000100', partnerKey: apiKey });
    const params = {
      appid: 'wx2421b1c4370ec43b',
      mch_id: '10000100',
      nonce_str: '5K8264ILTKCH16CQ2502SI8ZNMTM67VS',
      sign_type: signType,
      body: '咖啡 & cake=1',
      out_trade_no: 'pay_0123456789abcdefghijklmn',
      total_fee: '2',
      fee_type: 'CNY',
      spbill_create_ip: '127.0.0.1',
      auth_code: '130000000000000001',
      device_info: '',
    };
    expect(signWechatParams(params, apiKey, signType)).toBe(payment._getSign(params, signType));
  });
});
