import fc from 'fast-check';
import { CURRENCIES, currencyExponent, formatDecimalAmount } from '@counterpay/core';
import { describe, expect, it } from 'vitest';
import { parseStatementAmount, parseStatementTime, StatementFormatError } from './statement-amounts.ts';

describe('statement amounts', () => {
  it('reads any signed amount in any currency back to the exact minor units it was written from', () => {
    fc.assert(
      fc.property(fc.integer({ min: -100_000_000_000, max: 100_000_000_000 }), fc.constantFrom(...CURRENCIES), (minor, currency) => {
        const text = minor < 0 ? `-${formatDecimalAmount(-minor, currency)}` : formatDecimalAmount(minor, currency);
        expect(parseStatementAmount(text, currency, 'amount')).toBe(minor);
      }),
    );
  });

  it('takes trailing zeros and padding, refuses more decimals than the currency has or anything not a number', () => {
    expect(parseStatementAmount(' 0.10 ', 'CNY', 'x')).toBe(10);
    expect(parseStatementAmount('1200.00', 'JPY', 'x')).toBe(1200);
    expect(parseStatementAmount('-0.00', 'CNY', 'x')).toBe(0);
    expect(Object.is(parseStatementAmount('-0.00', 'CNY', 'x'), -0)).toBe(false);
    for (const [text, currency] of [['0.001', 'CNY'], ['12.5', 'JPY'], ['1e3', 'CNY'], ['', 'CNY'], ['--1', 'CNY'], ['1,000.00', 'CNY']] as const) {
      expect(() => parseStatementAmount(text, currency, 'x')).toThrow(StatementFormatError);
    }
    expect(currencyExponent('KRW')).toBe(0);
  });

  it('reads times as China time', () => {
    expect(parseStatementTime('2024-05-13 08:00:00', 't').toISOString()).toBe('2024-05-13T00:00:00.000Z');
    expect(() => parseStatementTime('2024/05/13 08:00', 't')).toThrow(StatementFormatError);
  });
});
