import { describe, expect, it } from 'vitest';
import { formatMinor, formatMoney, parseAmount } from './money.ts';

describe('register money: exact minor units with the currency exponent', () => {
  it('parses decimal text digit by digit, never through a float', () => {
    expect(parseAmount('12.3', 'CNY')).toBe(1230);
    expect(parseAmount('0.29', 'CNY')).toBe(29); // 0.29 * 100 is 28.999999999999996 as a float
    expect(parseAmount('1005', 'JPY')).toBe(1005);
    expect(parseAmount('1.5', 'JPY')).toBeNull();
    expect(parseAmount('1.234', 'CNY')).toBeNull();
    expect(parseAmount('-1', 'CNY')).toBeNull();
    expect(parseAmount('1e3', 'CNY')).toBeNull();
    expect(parseAmount('99999999999999999', 'CNY')).toBeNull();
    expect(parseAmount('1', 'XXX')).toBeNull();
  });

  it('formats with the currency\'s decimals and grouped thousands', () => {
    expect(formatMinor(123450, 'CNY')).toBe('1,234.50');
    expect(formatMinor(5, 'HKD')).toBe('0.05');
    expect(formatMinor(1234567, 'JPY')).toBe('1,234,567');
    expect(formatMoney(550, 'cny')).toBe('CNY 5.50');
  });
});
