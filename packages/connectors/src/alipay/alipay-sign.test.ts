import { createPrivateKey } from 'node:crypto';
import { AlipaySdk } from 'alipay-sdk';
import { describe, expect, it } from 'vitest';
import { rsaKeyPair } from '../testing/rsa-keys.ts';
import { alipaySigningString, extractSignedResponse, rawTopLevelMembers, signAlipayContent, verifyAlipayContent } from './alipay-sign.ts';

const app = rsaKeyPair();
const stranger = rsaKeyPair();

const params = {
  app_id: '2021000000000001',
  method: 'alipay.trade.pay',
  format: 'JSON',
  charset: 'utf-8',
  sign_type: 'RSA2',
  timestamp: '2024-05-13 17:49:20',
  version: '1.0',
  biz_content: JSON.stringify({ out_trade_no: 'pay_1', scene: 'bar_code', auth_code: '280000000000000001', total_amount: '0.02', subject: '咖啡 & cake = 1' }),
};

describe('Alipay RSA2 signing string', () => {
  it('sorts every parameter except sign by key and joins raw values', () => {
    const text = alipaySigningString({ b: '2', sign: 'ignored', a: 'x=y&z', c: '' });
    expect(text).toBe('a=x=y&z&b=2');
  });

  it('keeps sign_type and biz_content in the signed text', () => {
    const text = alipaySigningString(params);
    expect(text.startsWith('app_id=2021000000000001&biz_content={"out_trade_no":"pay_1"')).toBe(true);
    expect(text).toContain('&sign_type=RSA2&timestamp=2024-05-13 17:49:20&version=1.0');
  });
});

describe('Alipay RSA2 signatures', () => {
  it('verifies its own signature with the matching public key', () => {
    const content = alipaySigningString(params);
    const sign = signAlipayContent(content, app.privateKey);
    expect(verifyAlipayContent(content, sign, app.publicKey)).toBe(true);
  });

  it('rejects a signature over tampered content', () => {
    const content = alipaySigningString(params);
    const sign = signAlipayContent(content, app.privateKey);
    expect(verifyAlipayContent(content.replace('0.02', '0.01'), sign, app.publicKey)).toBe(false);
  });

  it('rejects a signature made with another key', () => {
    const content = alipaySigningString(params);
    expect(verifyAlipayContent(content, signAlipayContent(content, stranger.privateKey), app.publicKey)).toBe(false);
  });

  it('treats garbage signatures and keys as not verified instead of throwing', () => {
    expect(verifyAlipayContent('x', 'not base64 !!', app.publicKey)).toBe(false);
    expect(verifyAlipayContent('x', signAlipayContent('x', app.privateKey), 'not a key')).toBe(false);
  });

  it('accepts keys as bare base64 (PKCS#8, PKCS#1 and SPKI) as the Alipay console shows them', () => {
    const bare = (pem: string) => pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
    const pkcs1 = createPrivateKey(app.privateKey).export({ type: 'pkcs1', format: 'der' }).toString('base64');
    for (const key of [bare(app.privateKey), pkcs1]) {
      expect(verifyAlipayContent('hello', signAlipayContent('hello', key), bare(app.publicKey))).toBe(true);
    }
  });

  it('is accepted by the official alipay-sdk (checkNotifySignV2 keeps sign_type, as a request signature does)', () => {
    const sign = signAlipayContent(alipaySigningString(params), app.privateKey);
    const sdk = new AlipaySdk({ appId: params.app_id, privateKey: stranger.privateKey, keyType: 'PKCS8', alipayPublicKey: app.publicKey });
    expect(sdk.checkNotifySignV2({ ...params, sign })).toBe(true);
    expect(sdk.checkNotifySignV2({ ...params, biz_content: params.biz_content.replace('0.02', '0.01'), sign })).toBe(false);
  });

  it('verifies what the official alipay-sdk signs (rsaCheck over the same text)', () => {
    const sdk = new AlipaySdk({ appId: params.app_id, privateKey: stranger.privateKey, keyType: 'PKCS8', alipayPublicKey: app.publicKey });
    const sign = signAlipayContent('some content', app.privateKey);
    expect(sdk.rsaCheck('some content', sign, 'RSA2')).toBe(true);
  });
});

describe('signed Alipay responses', () => {
  it('cuts the exact raw text of the response value, spacing and escapes included', () => {
    const content = '{ "code" : "10000", "msg":"Success","sub_msg":"\\u652f\\"}\\\\", "nested":{"a":[1,{"b":"}"}]} }';
    const body = `{"alipay_trade_pay_response":${content},"sign":"abc="}`;
    expect(extractSignedResponse(body, 'alipay_trade_pay_response')).toEqual({ content, sign: 'abc=' });
  });

  it('finds the response when sign comes first and other members surround it', () => {
    const body = ' {"sign":"s","alipay_cert_sn":"1","alipay_trade_query_response":{"code":"10000"}}\n';
    expect(extractSignedResponse(body, 'alipay_trade_query_response')).toEqual({ content: '{"code":"10000"}', sign: 's' });
  });

  it('reports a missing sign as null', () => {
    expect(extractSignedResponse('{"error_response":{"code":"40002"}}', 'error_response')).toEqual({ content: '{"code":"40002"}', sign: null });
  });

  it('rejects a body that repeats the response key', () => {
    const body = '{"alipay_trade_pay_response":{"code":"40004"},"alipay_trade_pay_response":{"code":"10000"},"sign":"s"}';
    expect(extractSignedResponse(body, 'alipay_trade_pay_response')).toBeNull();
  });

  it('rejects bodies that are not one JSON object', () => {
    for (const body of ['', 'null', '[]', '<html>', '{"a":{"b":1}', '{"a":1} trailing', '{"a" 1}', '{"a":"unterminated}']) {
      expect(rawTopLevelMembers(body), body).toBeNull();
    }
  });
});

describe('Alipay keys parsed once', () => {
  it('parses each key text once and keeps private and public apart', async () => {
    const { privateKeyFrom, publicKeyFrom } = await import('./alipay-sign.ts');
    const first = privateKeyFrom(app.privateKey);
    expect(privateKeyFrom(app.privateKey)).toBe(first);
    expect(first.type).toBe('private');
    expect(publicKeyFrom(app.publicKey).type).toBe('public');
    expect(privateKeyFrom(stranger.privateKey)).not.toBe(first);
    // A cached key still signs what the public key verifies.
    expect(verifyAlipayContent('text', signAlipayContent('text', app.privateKey), app.publicKey)).toBe(true);
    expect(verifyAlipayContent('text', signAlipayContent('text', stranger.privateKey), app.publicKey)).toBe(false);
  });
});
