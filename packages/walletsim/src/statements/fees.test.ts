import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { feeFor, formatFeeRate, parseFeeRate, refundFeeFor } from './fees.ts';

/**
 * The wallets' fee arithmetic, checked against a second, independent computation: exact rational
 * comparison in BigInt (amount × ppm against the rounded fee ± half a unit), never a float.
 */
const amount = fc.integer({ min: 1, max: 100_000_000_000 });
const rate = fc.integer({ min: 0, max: 1_000_000 });

describe('wallet fees', () => {
  it('rounds amount × rate half up to the minor unit, exactly', () => {
    fc.assert(
      fc.property(amount, rate, (a, ppm) => {
        const fee = feeFor(a, ppm);
        expect(Number.isSafeInteger(fee)).toBe(true);
        // fee − ½ ≤ a·ppm/10⁶ < fee + ½, i.e. 2·fee·10⁶ − 10⁶ ≤ 2·a·ppm < 2·fee·10⁶ + 10⁶
        const exact2 = 2n * BigInt(a) * BigInt(ppm);
        expect(exact2 >= 2n * BigInt(fee) * 1_000_000n - 1_000_000n).toBe(true);
        expect(exact2 < 2n * BigInt(fee) * 1_000_000n + 1_000_000n).toBe(true);
      }),
    );
  });

  it('rounds the half up: 0.6% of 250 fen is 1.5 → 2, of 83 fen 0.498 → 0', () => {
    expect(feeFor(250, 6000)).toBe(2);
    expect(feeFor(83, 6000)).toBe(0);
    expect(feeFor(84, 6000)).toBe(1); // 0.504
    expect(feeFor(100_000_000_000, 6000)).toBe(600_000_000);
  });

  it('gives back each refund\'s proportional share, and the whole fee once everything is refunded', () => {
    const refunds = amount.chain((total) => fc.tuple(fc.constant(total), fc.array(fc.integer({ min: 1, max: total }), { minLength: 1, maxLength: 8 })));
    fc.assert(
      fc.property(refunds, rate, ([total, parts], ppm) => {
        const fee = feeFor(total, ppm);
        let refunded = 0;
        let returned = 0;
        for (const part of parts) {
          const refund = Math.min(part, total - refunded);
          if (refund === 0) break;
          const back = refundFeeFor({ amount: total, fee }, refunded, refund);
          expect(Number.isSafeInteger(back)).toBe(true);
          // Within one unit of the exact share fee × refund / total.
          const exactTimesTotal = BigInt(fee) * BigInt(refund);
          expect(BigInt(back) * BigInt(total) - exactTimesTotal <= BigInt(total)).toBe(true);
          expect(exactTimesTotal - BigInt(back) * BigInt(total) <= BigInt(total)).toBe(true);
          refunded += refund;
          returned += back;
          expect(returned).toBeLessThanOrEqual(fee);
        }
        if (refunded === total) expect(returned).toBe(fee);
        const rest = total - refunded;
        if (rest > 0) expect(returned + refundFeeFor({ amount: total, fee }, refunded, rest)).toBe(fee);
      }),
    );
  });

  it('reads rates as percentages or fractions, exactly, and shows them as WeChat does', () => {
    expect(parseFeeRate('0.6%')).toBe(6000);
    expect(parseFeeRate('0.38%')).toBe(3800);
    expect(parseFeeRate('0.006')).toBe(6000);
    expect(parseFeeRate('2.5%')).toBe(25_000);
    expect(parseFeeRate('0%')).toBe(0);
    for (const bad of ['', '%', '-1%', '0.00001%', '101%', '1.5', 'six', '0,6%']) expect(parseFeeRate(bad)).toBeNull();
    expect(formatFeeRate(6000)).toBe('0.60%');
    expect(formatFeeRate(3800)).toBe('0.38%');
    expect(formatFeeRate(12_345)).toBe('1.2345%');
    fc.assert(
      fc.property(rate, (ppm) => {
        expect(parseFeeRate(formatFeeRate(ppm))).toBe(ppm);
      }),
    );
  });
});
