import type { StatementLine, WalletCallRecord, WalletContext } from '@counterpay/core';
import { AlipayConnector, WechatPayConnector } from '@counterpay/connectors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MerchantRegistration, type RunningSimulator, startSimulator } from '@counterpay/walletsim';

/**
 * Our connectors read the simulator's daily statements (WeChat Pay downloadbill, Alipay's trade bill):
 * a day of payments, a partial refund, a reversal, a JPY sale and a test-code-8 overcharge come back as
 * exact lines with the wallets' fees; a future day is refused, an empty day behaves as documented.
 * Fees here are worked out by hand from the rates the simulator is started with (WeChat 0.38%, Alipay 0.6%).
 */
let sim: RunningSimulator;
let merchant: MerchantRegistration;
let n = 0;
const orderNo = (prefix: string) => `${prefix}-${Date.now()}-${n++}`;

const chinaDay = (ms: number) => new Date(ms + 8 * 3600 * 1000).toISOString().slice(0, 10);
const shiftDay = (day: string, days: number) => new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

async function post<T>(path: string, body: unknown): Promise<T> {
  const response = await fetch(`${sim.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return (await response.json()) as T;
}
async function tradeNoOf(merchantId: string, outTradeNo: string): Promise<{ tradeNo: string; paidAt: string }> {
  const ledger = (await (await fetch(`${sim.url}/admin/ledger?merchant=${merchantId}`)).json()) as { charges: Array<{ outTradeNo: string; tradeNo: string; paidAt: string }> };
  return ledger.charges.find((c) => c.outTradeNo === outTradeNo)!;
}

function context(credentials: WalletContext['credentials']): { ctx: WalletContext; calls: WalletCallRecord[] } {
  const calls: WalletCallRecord[] = [];
  return { ctx: { credentials, onCall: (call) => calls.push(call) }, calls };
}

/** Lines without their times, sorted, for exact comparison (times are checked separately). */
const comparable = (lines: StatementLine[]) =>
  lines.map(({ at: _at, ...rest }) => rest).sort((a, b) => `${a.outTradeNo}${a.kind}${a.outRefundNo}`.localeCompare(`${b.outTradeNo}${b.kind}${b.outRefundNo}`));

beforeAll(async () => {
  sim = await startSimulator({ port: 0, confirmDelayMs: 200, lostAnswerDelayMs: 200, feeRates: { alipay: '0.6%', wechat: '0.38%' } });
  merchant = await post<MerchantRegistration>('/admin/merchants', { name: 'statement shop' });
});
afterAll(async () => {
  await sim?.close();
});

describe('WeChat Pay statements through our connector', () => {
  const connector = (statementGzip: boolean) => new WechatPayConnector({ baseUrl: sim.url, timeoutMs: 5000, statementGzip });
  const credentials = () => ({ wallet: 'wechat' as const, ...merchant.wechat });

  it('lists a day of payments, a partial refund, a reversal, a JPY sale and an overcharge, exactly, with fees', async () => {
    const { ctx } = context(credentials());
    const wechat = connector(true);
    const plain = orderNo('wx-plain');
    const refunded = orderNo('wx-refunded');
    const reversed = orderNo('wx-reversed');
    const yen = orderNo('wx-jpy');
    const over = orderNo('wx-over');
    const pay = (outTradeNo: string, amount: number, currency: 'CNY' | 'JPY', code = '130000000000000001') => wechat.pay(ctx, { outTradeNo, authCode: code, amount, currency, subject: 'tea, "green"' });
    expect((await pay(plain, 1234, 'CNY')).kind).toBe('succeeded');
    expect((await pay(refunded, 9999, 'CNY')).kind).toBe('succeeded');
    expect((await wechat.refund(ctx, { outTradeNo: refunded, outRefundNo: `${refunded}-r1`, refundAmount: 3333, totalAmount: 9999, currency: 'CNY' })).kind).toBe('succeeded');
    expect((await pay(reversed, 700, 'CNY')).kind).toBe('succeeded');
    expect((await wechat.cancel(ctx, reversed)).kind).toBe('cancelled');
    expect((await pay(yen, 1200, 'JPY')).kind).toBe('succeeded');
    expect((await pay(over, 500, 'CNY', '130000000000000008')).kind).toBe('succeeded');

    const ids = Object.fromEntries(await Promise.all([plain, refunded, reversed, yen, over].map(async (o) => [o, (await tradeNoOf(merchant.wechat.mchId, o)).tradeNo])));
    const day = chinaDay(Date.parse((await tradeNoOf(merchant.wechat.mchId, plain)).paidAt));
    const statement = await wechat.downloadStatement(ctx, day);
    if (statement.kind !== 'published') throw new Error(`expected a published statement, got ${JSON.stringify(statement)}`);
    const mine = statement.lines.filter((l) => Object.hasOwn(ids, l.outTradeNo));
    expect(comparable(mine)).toEqual(
      comparable([
        { kind: 'payment', outTradeNo: plain, walletTradeNo: ids[plain], amount: 1234, fee: 5, currency: 'CNY', at: new Date() }, // 4.6892 → 5
        { kind: 'payment', outTradeNo: refunded, walletTradeNo: ids[refunded], amount: 9999, fee: 38, currency: 'CNY', at: new Date() }, // 37.9962 → 38
        // 38 × 3333 / 9999 = 12.67 → 13 returned
        { kind: 'refund', outTradeNo: refunded, walletTradeNo: ids[refunded], outRefundNo: `${refunded}-r1`, walletRefundId: expect.stringMatching(/^5\d+$/) as unknown as string, amount: 3333, fee: -13, currency: 'CNY', at: new Date() },
        { kind: 'payment', outTradeNo: reversed, walletTradeNo: ids[reversed], amount: 700, fee: 3, currency: 'CNY', at: new Date() }, // 2.66 → 3
        // The reversal gives everything back, its whole fee too, and names no merchant refund number.
        { kind: 'refund', outTradeNo: reversed, walletTradeNo: ids[reversed], walletRefundId: `R${ids[reversed]}`, amount: 700, fee: -3, currency: 'CNY', at: new Date() },
        { kind: 'payment', outTradeNo: yen, walletTradeNo: ids[yen], amount: 1200, fee: 5, currency: 'JPY', at: new Date() }, // 4.56 → 5 yen
        // Test code 8: the wallet took one fen more than asked; 501 × 0.38% = 1.9038 → 2.
        { kind: 'payment', outTradeNo: over, walletTradeNo: ids[over], amount: 501, fee: 2, currency: 'CNY', at: new Date() },
      ]),
    );
    for (const line of mine) {
      expect(chinaDay(line.at.getTime())).toBe(day);
      expect(Math.abs(line.at.getTime() - Date.now())).toBeLessThan(60_000);
    }
    // Without gzip the same bill.
    const uncompressed = await connector(false).downloadStatement(ctx, day);
    expect(uncompressed).toEqual(statement);
  });

  it('answers the overcharge in the pay answer as WeChat would: total_fee as asked, cash_fee as charged', async () => {
    const over = orderNo('wx-over-query');
    const { ctx } = context(credentials());
    await connector(true).pay(ctx, { outTradeNo: over, authCode: '130000000000000008', amount: 800, currency: 'CNY', subject: 'x' });
    const ledger = await tradeNoOf(merchant.wechat.mchId, over);
    expect(ledger.tradeNo).toMatch(/^4200/);
    const charges = ((await (await fetch(`${sim.url}/admin/ledger?merchant=${merchant.wechat.mchId}`)).json()) as { charges: Array<{ outTradeNo: string; amount: number }> }).charges;
    expect(charges.find((c) => c.outTradeNo === over)!.amount).toBe(801);
  });

  it('logs the call, refuses a future day, and reports a day without trades as not published', async () => {
    const { ctx, calls } = context(credentials());
    const today = chinaDay(Date.now());
    const future = await connector(true).downloadStatement(ctx, shiftDay(today, 2));
    expect(future).toEqual({ kind: 'failed', walletCode: '20001', message: 'invalid bill_date' });
    const empty = await connector(true).downloadStatement(ctx, shiftDay(today, -3));
    expect(empty).toEqual({ kind: 'not_published' });
    expect(calls.map((c) => [c.method, c.outcome, c.walletCode])).toEqual([
      ['/pay/downloadbill', 'failed', '20001'],
      ['/pay/downloadbill', 'not_published', '20002'],
    ]);
    expect(await connector(true).downloadStatement(ctx, '2024-02-30')).toMatchObject({ kind: 'failed', walletCode: 'invalid_date' });
    const wrongKey = context({ ...credentials(), apiKey: 'f'.repeat(32) });
    expect(await connector(true).downloadStatement(wrongKey.ctx, today)).toEqual({ kind: 'failed', walletCode: '20001', message: '签名错误' });
  });

  it('gives a partner its sub-merchants\' lines, and a sub-merchant only its own', async () => {
    const partner = await post<MerchantRegistration>('/admin/merchants', { name: 'provider' });
    const sub = (await post<{ wechat: { subMchId: string } }>('/admin/merchants', { name: 'corner shop', partner: partner.wechat.mchId })).wechat.subMchId;
    const wechat = connector(true);
    const asPartner = context({ wallet: 'wechat', ...partner.wechat });
    const asSub = context({ wallet: 'wechat', ...partner.wechat, subMchId: sub });
    const own = orderNo('wx-own');
    const theirs = orderNo('wx-sub');
    await wechat.pay(asPartner.ctx, { outTradeNo: own, authCode: '130000000000000001', amount: 100, currency: 'CNY', subject: 'own' });
    await wechat.pay(asSub.ctx, { outTradeNo: theirs, authCode: '130000000000000001', amount: 200, currency: 'CNY', subject: 'sub' });
    const day = chinaDay(Date.now());
    const all = await wechat.downloadStatement(asPartner.ctx, day);
    const one = await wechat.downloadStatement(asSub.ctx, day);
    if (all.kind !== 'published' || one.kind !== 'published') throw new Error('expected published statements');
    expect(all.lines.map((l) => [l.outTradeNo, l.subMerchantId]).sort()).toEqual([[own, undefined], [theirs, sub]].sort());
    expect(one.lines.map((l) => [l.outTradeNo, l.amount, l.subMerchantId])).toEqual([[theirs, 200, sub]]);
  });
});

describe('Alipay statements through our connector', () => {
  const connector = () => new AlipayConnector({ gatewayUrl: `${sim.url}/gateway.do`, timeoutMs: 5000 });
  const credentials = (who: MerchantRegistration) => ({ wallet: 'alipay' as const, appId: who.alipay.appId, appPrivateKey: who.alipay.appPrivateKey, alipayPublicKey: who.alipay.alipayPublicKey });

  it('lists a day of payments, refunds, a reversal, a JPY sale and an overcharge, exactly, with fees', async () => {
    const { ctx, calls } = context(credentials(merchant));
    const alipay = connector();
    const plain = orderNo('ali-plain');
    const refunded = orderNo('ali-refunded');
    const reversed = orderNo('ali-reversed');
    const yen = orderNo('ali-jpy');
    const over = orderNo('ali-over');
    const pay = (outTradeNo: string, amount: number, currency: 'CNY' | 'JPY', code = '280000000000000001') => alipay.pay(ctx, { outTradeNo, authCode: code, amount, currency, subject: '咖啡, 蛋糕' });
    expect((await pay(plain, 1234, 'CNY')).kind).toBe('succeeded');
    expect((await pay(refunded, 10_000, 'CNY')).kind).toBe('succeeded');
    for (const [i, amount] of [[1, 3333], [2, 6667]] as const) {
      expect((await alipay.refund(ctx, { outTradeNo: refunded, outRefundNo: `${refunded}-r${i}`, refundAmount: amount, totalAmount: 10_000, currency: 'CNY' })).kind).toBe('succeeded');
    }
    expect((await pay(reversed, 250, 'CNY')).kind).toBe('succeeded');
    expect((await alipay.cancel(ctx, reversed)).kind).toBe('cancelled');
    expect((await pay(yen, 1200, 'JPY')).kind).toBe('succeeded');
    expect((await pay(over, 500, 'CNY', '280000000000000008')).kind).toBe('succeeded');
    const ids = Object.fromEntries(await Promise.all([plain, refunded, reversed, yen, over].map(async (o) => [o, (await tradeNoOf(merchant.alipay.appId, o)).tradeNo])));
    const day = chinaDay(Date.parse((await tradeNoOf(merchant.alipay.appId, plain)).paidAt));
    calls.length = 0;
    const statement = await alipay.downloadStatement(ctx, day);
    if (statement.kind !== 'published') throw new Error(`expected a published statement, got ${JSON.stringify(statement)}`);
    expect(calls.map((c) => [c.method, c.outcome])).toEqual([
      ['alipay.data.dataservice.bill.downloadurl.query', 'download'],
      ['GET bill_download_url', 'published'],
    ]);
    const mine = statement.lines.filter((l) => Object.hasOwn(ids, l.outTradeNo));
    expect(comparable(mine)).toEqual(
      comparable([
        { kind: 'payment', outTradeNo: plain, walletTradeNo: ids[plain], amount: 1234, fee: 7, currency: 'CNY', at: new Date() }, // 7.404 → 7
        { kind: 'payment', outTradeNo: refunded, walletTradeNo: ids[refunded], amount: 10_000, fee: 60, currency: 'CNY', at: new Date() },
        // 60 × 3333 / 10000 = 19.998 → 20; the second refund returns the rest of the fee: 60 − 20 = 40.
        { kind: 'refund', outTradeNo: refunded, walletTradeNo: ids[refunded], outRefundNo: `${refunded}-r1`, amount: 3333, fee: -20, currency: 'CNY', at: new Date() },
        { kind: 'refund', outTradeNo: refunded, walletTradeNo: ids[refunded], outRefundNo: `${refunded}-r2`, amount: 6667, fee: -40, currency: 'CNY', at: new Date() },
        { kind: 'payment', outTradeNo: reversed, walletTradeNo: ids[reversed], amount: 250, fee: 2, currency: 'CNY', at: new Date() }, // 1.5 → 2 (half up)
        { kind: 'refund', outTradeNo: reversed, walletTradeNo: ids[reversed], amount: 250, fee: -2, currency: 'CNY', at: new Date() },
        { kind: 'payment', outTradeNo: yen, walletTradeNo: ids[yen], amount: 1200, fee: 7, currency: 'JPY', at: new Date() }, // 7.2 → 7
        { kind: 'payment', outTradeNo: over, walletTradeNo: ids[over], amount: 501, fee: 3, currency: 'CNY', at: new Date() }, // 3.006 → 3
      ]),
    );
  });

  it('refuses a future day, has no bill before the app existed, and publishes an empty day with no lines', async () => {
    const fresh = await post<MerchantRegistration>('/admin/merchants', { name: 'quiet shop' });
    const { ctx } = context(credentials(fresh));
    const today = chinaDay(Date.now());
    expect(await connector().downloadStatement(ctx, shiftDay(today, 1))).toMatchObject({ kind: 'failed', walletCode: 'isv.invalid_arguments' });
    expect(await connector().downloadStatement(ctx, shiftDay(today, -1))).toEqual({ kind: 'not_published' });
    expect(await connector().downloadStatement(ctx, today)).toEqual({ kind: 'published', date: today, lines: [] });
  });
});
