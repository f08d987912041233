import { createRequire } from 'node:module';
import type { WalletCallRecord, WalletContext, WechatCredentials } from '@counterpay/core';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { WechatPayConnector } from '../wechatpay/wechatpay-connector.ts';
import { signWechatParams, type WechatSignType } from '../wechatpay/wechatpay-sign.ts';
import { buildWechatXml, parseWechatXml } from '../wechatpay/wechatpay-xml.ts';
import { CannedWalletServer, type CannedAnswer, type ReceivedRequest } from './canned-wallet-server.ts';

/**
 * The WeChat Pay connector's test bench: a canned wallet on loopback, a connector pointed at it, fresh
 * call records per test, and helpers that write answers as WeChat Pay signs them. The `let` exports are
 * live bindings, set by `useCannedWechat()`'s hooks.
 */

export const credentials: WechatCredentials = { wallet: 'wechat', appId: 'wx2421b1c4370ec43b', mchId: '10000100', apiKey: '192006250b4c09247ec02edce69f6a2d' };

/** tenpay's own signer, as an independent check of the request signatures. */
interface TenpayPayment {
  _getSign(params: Record<string, string>, type?: string): string;
}
const tenpay = createRequire(import.meta.url)('tenpay') as { init(config: { appid: string; mchid: string; partnerKey: string }): TenpayPayment };
export const tenpaySigner = tenpay.init({ appid: credentials.appId, mchid: credentials.mchId, partnerKey: credentials.apiKey });

export const TIMEOUT_MS = 200;
export let server: CannedWalletServer;
export let connector: WechatPayConnector;
export let calls: WalletCallRecord[];
export let ctx: WalletContext;

/** Starts the canned wallet for this test file and resets requests and call records before each test. */
export function useCannedWechat(): void {
  beforeAll(async () => {
    server = await CannedWalletServer.start();
    connector = new WechatPayConnector({ baseUrl: server.url, timeoutMs: TIMEOUT_MS, notifyUrl: () => 'https://gateway.example/notify/wechat' });
  });
  afterAll(() => server.stop());
  beforeEach(() => {
    server.reset();
    calls = [];
    ctx = { credentials, onCall: (call) => calls.push(call) };
  });
}

export type Fields = Record<string, string>;
export interface Case {
  name: string;
  answer: Fields;
  expected: Record<string, unknown>;
}

/** A signed return_code SUCCESS answer, as WeChat Pay writes one. */
export function signedXml(fields: Fields, signType: WechatSignType = 'HMAC-SHA256', apiKey = credentials.apiKey): string {
  const answer: Fields = { return_code: 'SUCCESS', return_msg: 'OK', appid: credentials.appId, mch_id: credentials.mchId, nonce_str: 'Aa1Bb2Cc3', ...fields };
  return buildWechatXml({ ...answer, sign: signWechatParams(answer, apiKey, signType) });
}

/** Answers each path with its own canned business fields (signed), or a raw canned answer. */
export function answerByPath(answers: Record<string, Fields | CannedAnswer>): void {
  server.answer((req) => {
    const answer = answers[req.url];
    if (answer === undefined) return { status: 404, body: `no canned answer for ${req.url}` };
    if (answer === 'hang' || typeof answer.body === 'string') return answer as CannedAnswer;
    return { body: signedXml(answer as Fields), contentType: 'text/xml' };
  });
}

export function requestFields(req: ReceivedRequest): Fields {
  return parseWechatXml(req.body)!;
}

export const payRequest = { outTradeNo: 'pay_0001', authCode: '130000000000000001', amount: 1234, currency: 'CNY' as const, subject: 'Coffee & cake', terminalId: 'term_1' };
export const refundRequest = { outTradeNo: 'pay_0001', outRefundNo: 're_0001', refundAmount: 50, totalAmount: 1234, currency: 'CNY' as const, reason: 'broken cup' };
export const qrRequest = { outTradeNo: 'pay_qr', amount: 2, currency: 'HKD' as const, subject: 'Tea', expiresAt: new Date('2025-01-01T00:05:09Z') };
