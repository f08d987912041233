import type { AlipayPublicKeyCredentials, WalletCallRecord, WalletContext } from '@counterpay/core';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { AlipayConnector } from '../alipay/alipay-connector.ts';
import { signAlipayContent } from '../alipay/alipay-sign.ts';
import { CannedWalletServer, type CannedAnswer, type ReceivedRequest } from './canned-wallet-server.ts';
import { rsaKeyPair } from './rsa-keys.ts';

/**
 * The Alipay connector's test bench: a canned wallet on loopback, a connector pointed at it, fresh call
 * records per test, and helpers that write answers as Alipay signs them. The `let` exports are live
 * bindings, set by `useCannedAlipay()`'s hooks.
 */

export const app = rsaKeyPair(); // the merchant's key pair: signs requests
export const platform = rsaKeyPair(); // "Alipay's" key pair: signs answers
export const stranger = rsaKeyPair();

export const credentials: AlipayPublicKeyCredentials = {
  wallet: 'alipay',
  appId: '2021000000000001',
  appPrivateKey: app.privateKey,
  alipayPublicKey: platform.publicKey,
};

export const TIMEOUT_MS = 200;
export let server: CannedWalletServer;
export let connector: AlipayConnector;
export let calls: WalletCallRecord[];
export let ctx: WalletContext;

/** Starts the canned wallet for this test file and resets requests and call records before each test. */
export function useCannedAlipay(): void {
  beforeAll(async () => {
    server = await CannedWalletServer.start();
    connector = new AlipayConnector({ gatewayUrl: `${server.url}/gateway.do`, timeoutMs: TIMEOUT_MS, notifyUrl: () => 'https://gateway.example/notify/alipay' });
  });
  afterAll(() => server.stop());
  beforeEach(() => {
    server.reset();
    calls = [];
    ctx = { credentials, onCall: (call) => calls.push(call) };
  });
}

/**
 * An answer as Alipay writes it: `{"<method>_response":{…},"sign":"…"}`, signed over the exact text of
 * the response value. The value is pretty-printed on purpose: a verifier that re-serialised it would fail.
 */
export function signedAnswer(method: string, response: object, privateKey = platform.privateKey): string {
  const content = JSON.stringify(response, null, 1);
  return `{"${method.replaceAll('.', '_')}_response":${content},"sign":"${signAlipayContent(content, privateKey)}"}`;
}

/** Answers each method with its own canned response. */
export function answerByMethod(responses: Record<string, object | CannedAnswer>): void {
  server.answer((req) => {
    const method = formParams(req).method ?? '';
    const response = responses[method];
    if (response === undefined) return { status: 500, body: `no canned answer for ${method}` };
    if (response === 'hang' || ('body' in response && typeof response.body === 'string')) return response as CannedAnswer;
    return { body: signedAnswer(method, response), contentType: 'text/html;charset=utf-8' };
  });
}

export function formParams(req: ReceivedRequest): Record<string, string> {
  const url = new URL(req.url, 'http://localhost');
  return { ...Object.fromEntries(url.searchParams), ...Object.fromEntries(new URLSearchParams(req.body)) };
}

export function bizContent(req: ReceivedRequest): Record<string, unknown> {
  return JSON.parse(formParams(req).biz_content ?? '{}') as Record<string, unknown>;
}

export const payRequest = {
  outTradeNo: 'pay_0001',
  authCode: '280000000000000001',
  amount: 1234,
  currency: 'CNY' as const,
  subject: 'Coffee & cake',
  storeId: 'sto_1',
  terminalId: 'term_1',
};

export const refundRequest = { outTradeNo: 'pay_0001', outRefundNo: 're_0001', refundAmount: 50, totalAmount: 1234, currency: 'CNY' as const, reason: 'broken cup' };
