import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { detectWallet, isWallet, maskBarcode } from './wallet.ts';

const digit = fc.constantFrom(...'0123456789');
const digits = (minLength: number, maxLength: number) => fc.string({ unit: digit, minLength, maxLength });
/** A two-digit prefix in [min, max]. */
const prefix = (min: number, max: number) => fc.integer({ min, max }).map((n) => String(n).padStart(2, '0'));
/** A digit string of `length` digits that starts with `head`. */
const code = (head: fc.Arbitrary<string>, length: fc.Arbitrary<number>) =>
  fc.tuple(head, length).chain(([h, n]) => digits(n - h.length, n - h.length).map((rest) => h + rest));

const ALIPAY_PREFIX = prefix(25, 30);
const WECHAT_PREFIX = prefix(10, 15);
/** Every two-digit prefix that is neither Alipay's nor WeChat Pay's. */
const OTHER_PREFIX = fc.oneof(prefix(0, 9), prefix(16, 24), prefix(31, 99));

describe('detectWallet (CONTRACT.md: wallet detection from a barcode)', () => {
  it('16–24 digits starting 25–30 is Alipay', () => {
    fc.assert(fc.property(code(ALIPAY_PREFIX, fc.integer({ min: 16, max: 24 })), (barcode) => {
      expect(detectWallet(barcode)).toBe('alipay');
    }));
  });

  it('18 digits starting 10–15 is WeChat Pay', () => {
    fc.assert(fc.property(code(WECHAT_PREFIX, fc.constant(18)), (barcode) => {
      expect(detectWallet(barcode)).toBe('wechat');
    }));
  });

  it('a code starting 25–30 with fewer than 16 or more than 24 digits is no wallet', () => {
    const length = fc.oneof(fc.integer({ min: 2, max: 15 }), fc.integer({ min: 25, max: 40 }));
    fc.assert(fc.property(code(ALIPAY_PREFIX, length), (barcode) => {
      expect(detectWallet(barcode)).toBeNull();
    }));
  });

  it('a code starting 10–15 with any length but 18 is no wallet', () => {
    const length = fc.integer({ min: 2, max: 40 }).filter((n) => n !== 18);
    fc.assert(fc.property(code(WECHAT_PREFIX, length), (barcode) => {
      expect(detectWallet(barcode)).toBeNull();
    }));
  });

  it('a code starting with any other two digits (00–09, 16–24, 31–99) is no wallet, whatever its length', () => {
    fc.assert(fc.property(code(OTHER_PREFIX, fc.integer({ min: 2, max: 40 })), (barcode) => {
      expect(detectWallet(barcode)).toBeNull();
    }));
  });

  it('a valid code with any one character replaced by a non-digit is no wallet', () => {
    const valid = fc.oneof(code(ALIPAY_PREFIX, fc.integer({ min: 16, max: 24 })), code(WECHAT_PREFIX, fc.constant(18)));
    const nonDigit = fc.oneof(
      fc.constantFrom(' ', '\n', '\t', '-', '+', '.', 'e', 'x', 'a', 'A', '\u0000', '１', '٣', '²'),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }).filter((c) => !/^[0-9]$/.test(c)),
    );
    fc.assert(
      fc.property(valid, fc.nat(), nonDigit, (barcode, at, ch) => {
        const i = at % barcode.length;
        expect(detectWallet(barcode.slice(0, i) + ch + barcode.slice(i + 1))).toBeNull();
      }),
    );
  });

  it('a valid code with whitespace around it is no wallet', () => {
    for (const barcode of [' 280000000000000001', '280000000000000001 ', '130000000000000001\n', '\t130000000000000001']) {
      expect(detectWallet(barcode)).toBeNull();
    }
  });

  it('recognises every test payment code in CONTRACT.md', () => {
    for (let i = 1; i <= 6; i++) {
      expect(detectWallet(`28000000000000000${i}`)).toBe('alipay');
      expect(detectWallet(`13000000000000000${i}`)).toBe('wechat');
    }
  });

  it.each([
    ['17-digit 13…', '13000000000000001'],
    ['19-digit 13…', '1300000000000000001'],
    ['25-digit 28…', '2800000000000000000000001'],
    ['15-digit 28…', '280000000000001'],
    ['18-digit prefix 24', '240000000000000001'],
    ['18-digit prefix 31', '310000000000000001'],
    ['18-digit prefix 09', '090000000000000001'],
    ['18-digit prefix 16', '160000000000000001'],
    ['empty', ''],
    ['one digit', '2'],
    ['letters', 'abcdefghijklmnopqr'],
    ['negative', '-280000000000000001'],
    ['decimal', '28000000000000000.1'],
  ])('%s is no wallet', (_label, barcode) => {
    expect(detectWallet(barcode)).toBeNull();
  });

  it('isWallet accepts exactly "alipay" and "wechat"', () => {
    expect(isWallet('alipay')).toBe(true);
    expect(isWallet('wechat')).toBe(true);
    for (const other of ['Alipay', 'wechatpay', '', null, 1, undefined]) expect(isWallet(other)).toBe(false);
  });
});

describe('maskBarcode', () => {
  it('never reveals more than 8 digits, whatever the length', () => {
    fc.assert(fc.property(digits(0, 64), (barcode) => {
      const revealed = [...maskBarcode(barcode)].filter((ch) => ch !== '*').length;
      expect(revealed).toBeLessThanOrEqual(8);
    }));
  });

  it('keeps the length and shows only original characters in their original places', () => {
    fc.assert(fc.property(digits(0, 64), (barcode) => {
      const masked = maskBarcode(barcode);
      expect(masked).toHaveLength(barcode.length);
      [...masked].forEach((ch, i) => {
        if (ch !== '*') expect(ch).toBe(barcode[i]);
      });
    }));
  });

  it('hides a code of 8 or fewer characters entirely', () => {
    fc.assert(fc.property(digits(0, 8), (barcode) => {
      expect(maskBarcode(barcode)).toBe('*'.repeat(barcode.length));
    }));
  });

  it('shows the first 4 and last 4 digits of a payment code and hides the rest', () => {
    expect(maskBarcode('280000000000000001')).toBe('2800**********0001');
    expect(maskBarcode('134567890123456789')).toBe('1345**********6789');
  });

  it('hides at least half of every 16–24 digit payment code', () => {
    fc.assert(fc.property(digits(16, 24), (barcode) => {
      const hidden = [...maskBarcode(barcode)].filter((ch) => ch === '*').length;
      expect(hidden).toBeGreaterThanOrEqual(barcode.length / 2);
    }));
  });
});
