import type { StatementLine } from '@counterpay/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chinaDayBounds, chinaDayOf } from './china-day.ts';
import { type OurPayment, type OurRefund, matchStatement } from './match-statement.ts';

const DATE = '2026-03-10';
const at = (iso: string) => new Date(iso);
const line = (l: Partial<StatementLine> & Pick<StatementLine, 'outTradeNo'>): StatementLine => ({
  kind: 'payment',
  walletTradeNo: `T-${l.outTradeNo}`,
  amount: 1000,
  fee: 6,
  currency: 'CNY',
  at: at('2026-03-10T04:00:00Z'),
  ...l,
});
const paid = (id: string, p: Partial<OurPayment> = {}): OurPayment => ({ id, status: 'succeeded', amount: 1000, currency: 'CNY', store_id: 'sto_1', paid_at: '2026-03-10T04:00:00.000Z', ...p });
const refund = (id: string, paymentId: string, r: Partial<OurRefund> = {}): OurRefund => ({ id, payment_id: paymentId, status: 'succeeded', amount: 300, currency: 'CNY', succeeded_at: '2026-03-10T05:00:00.000Z', ...r });
const run = (lines: StatementLine[], payments: OurPayment[], refunds: OurRefund[] = []) => matchStatement({ date: DATE, wallet: 'alipay', lines, payments, refunds });

describe('matching a statement with our records', () => {
  it('matches payments, refunds and a reversal, and sums exactly per store', () => {
    const result = run(
      [
        line({ outTradeNo: 'pay_a' }),
        line({ outTradeNo: 'pay_b', amount: 2500, fee: 15 }),
        line({ outTradeNo: 'pay_b', kind: 'refund', outRefundNo: 're_b', amount: 300, fee: -2 }),
        line({ outTradeNo: 'pay_c', amount: 700, fee: 4 }),
        line({ outTradeNo: 'pay_c', kind: 'refund', amount: 700, fee: -4 }),
      ],
      [paid('pay_a'), paid('pay_b', { amount: 2500, store_id: 'sto_2' }), paid('pay_c', { amount: 700, status: 'closed' })],
      [refund('re_b', 'pay_b')],
    );
    expect(result.differences).toEqual([]);
    expect(result.matched).toBe(5);
    expect(result.totals).toEqual([{ currency: 'CNY', count: 3, gross: 4200, refunds: 1000, fees: 19, net: 3181 }]);
    expect(result.by_store).toEqual([
      { store: 'sto_1', currency: 'CNY', count: 2, gross: 1700, refunds: 700, fees: 6, net: 994 },
      { store: 'sto_2', currency: 'CNY', count: 1, gross: 2500, refunds: 300, fees: 13, net: 2187 },
    ]);
    expect(result.fees).toEqual([
      { paymentId: 'pay_a', fee: 6 },
      { paymentId: 'pay_b', fee: 15 },
      { paymentId: 'pay_c', fee: 4 },
    ]);
  });

  it('classifies each kind of difference and what may repair it', () => {
    const result = run(
      [
        line({ outTradeNo: 'pay_unknown' }),
        line({ outTradeNo: 'pay_over', amount: 1001 }),
        line({ outTradeNo: 'pay_processing' }),
        line({ outTradeNo: 'pay_late' }),
        line({ outTradeNo: 'pay_r', kind: 'refund', outRefundNo: 're_unknown', amount: 300 }),
        line({ outTradeNo: 'pay_r' }),
      ],
      [paid('pay_over'), paid('pay_processing', { status: 'processing', paid_at: null }), paid('pay_late', { status: 'closed', paid_at: null }), paid('pay_missing'), paid('pay_r')],
      [refund('re_missing', 'pay_r')],
    );
    const kinds = result.differences.map((d) => [d.kind, d.payment, d.refund, d.amount, d.wants]);
    expect(kinds).toEqual([
      ['paid_at_wallet_only', null, null, 1000, 'none'],
      ['amount_mismatch', 'pay_over', null, 1001, 'none'],
      ['status_mismatch', 'pay_processing', null, 1000, 'settle'],
      ['late_success', 'pay_late', null, 1000, 'late_success'],
      ['refund_mismatch', 'pay_r', 're_unknown', 300, 'none'],
      ['missing_at_wallet', 'pay_missing', null, 1000, 'none'],
      ['refund_mismatch', 'pay_r', 're_missing', 300, 'none'],
    ]);
    expect(result.matched).toBe(1);
    expect(result.differences.find((d) => d.kind === 'paid_at_wallet_only')!.wallet_trade_no).toBe('T-pay_unknown');
  });

  it('takes the day in China Standard Time: 15:59:59 UTC is that day, 16:00 UTC the next', () => {
    expect(chinaDayOf(at('2026-03-10T15:59:59.999Z'))).toBe(DATE);
    expect(chinaDayOf(at('2026-03-10T16:00:00.000Z'))).toBe('2026-03-11');
    expect(chinaDayBounds(DATE)).toEqual({ start: at('2026-03-09T16:00:00.000Z'), end: at('2026-03-10T16:00:00.000Z') });
    // Paid late on the day before in UTC terms, but on the day in China: missing when the wallet lacks it.
    const before = run([], [paid('pay_edge', { paid_at: '2026-03-09T16:00:00.000Z' }), paid('pay_prev', { paid_at: '2026-03-09T15:59:59.999Z' })]);
    expect(before.differences.map((d) => d.payment)).toEqual(['pay_edge']);
  });

  it('never sums across currencies', () => {
    const result = run([line({ outTradeNo: 'pay_a' }), line({ outTradeNo: 'pay_j', amount: 1200, fee: 5, currency: 'JPY' })], [paid('pay_a'), paid('pay_j', { amount: 1200, currency: 'JPY' })]);
    expect(result.totals.map((t) => [t.currency, t.gross, t.net])).toEqual([
      ['CNY', 1000, 994],
      ['JPY', 1200, 1195],
    ]);
  });

  it('accounts for every line and every payment of the day, and gross − refunds − fees = net (property)', () => {
    const arbLine = fc.record({
      payment: fc.integer({ min: 0, max: 7 }),
      kind: fc.constantFrom('payment' as const, 'refund' as const),
      refundNo: fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }),
      amount: fc.integer({ min: 1, max: 10_000_000 }),
      fee: fc.integer({ min: 0, max: 60_000 }),
      currency: fc.constantFrom('CNY', 'JPY'),
    });
    const arbPayment = fc.record({ status: fc.constantFrom('succeeded' as const, 'processing' as const, 'closed' as const, 'failed' as const), amount: fc.integer({ min: 1, max: 10_000_000 }), known: fc.boolean(), today: fc.boolean() });
    fc.assert(
      fc.property(fc.array(arbLine, { maxLength: 25 }), fc.array(arbPayment, { minLength: 8, maxLength: 8 }), (specs, ours) => {
        const lines = specs.map((s) =>
          line({ outTradeNo: `pay_${s.payment}`, kind: s.kind, amount: s.amount, fee: s.kind === 'refund' ? -s.fee : s.fee, currency: s.currency, ...(s.kind === 'refund' && s.refundNo !== undefined ? { outRefundNo: `re_${s.refundNo}` } : {}) }),
        );
        const payments = ours.flatMap((p, i) => (p.known ? [paid(`pay_${i}`, { status: p.status, amount: p.amount, paid_at: p.today ? '2026-03-10T01:00:00.000Z' : '2026-03-08T01:00:00.000Z' })] : []));
        const refunds = [0, 1, 2].map((i) => refund(`re_${i}`, `pay_${i}`, { amount: 100 * (i + 1) }));
        const result = run(lines, payments, refunds);
        const fromLines = result.differences.filter((d) => d.line !== null);
        expect(result.matched + fromLines.length).toBe(lines.length);
        expect(new Set(fromLines.map((d) => d.line)).size).toBe(fromLines.length);
        for (const p of payments.filter((p) => p.status === 'succeeded' && p.paid_at!.startsWith('2026-03-10'))) {
          const onStatement = lines.some((l) => l.kind === 'payment' && l.outTradeNo === p.id);
          expect(onStatement || result.differences.some((d) => d.kind === 'missing_at_wallet' && d.payment === p.id)).toBe(true);
        }
        for (const t of [...result.totals, ...result.by_store]) {
          expect(t.gross - t.refunds - t.fees).toBe(t.net);
          expect(Number.isInteger(t.net)).toBe(true);
        }
        for (const currency of ['CNY', 'JPY']) {
          const mine = lines.filter((l) => l.currency === currency);
          const total = result.totals.find((t) => t.currency === currency);
          expect(total?.gross ?? 0).toBe(mine.filter((l) => l.kind === 'payment').reduce((n, l) => n + l.amount, 0));
          expect(total?.fees ?? 0).toBe(mine.reduce((n, l) => n + l.fee, 0));
        }
      }),
      { numRuns: 300 },
    );
  });
});
