import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from './errors.ts';
import {
  exactMinorUnits,
  CURRENCIES,
  CURRENCY_EXPONENTS,
  type Currency,
  MAX_AMOUNT_MINOR,
  assertMinorAmount,
  currencyExponent,
  formatDecimalAmount,
  isCurrency,
  parseCurrency,
  parseDecimalAmount,
  parseDecimalAmountValue,
} from './money.ts';

/** Runs `fn` and returns the ValidationError it throws (fails the test if it throws anything else). */
function validationError(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error('expected a ValidationError, nothing was thrown');
}

const currency = fc.constantFrom(...CURRENCIES);
const digits = (minLength: number, maxLength: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789'), minLength, maxLength });
/** Currencies of each exponent, so every exponent in the table is exercised. */
const exponents = [...new Set(Object.values(CURRENCY_EXPONENTS))];

describe('currency table', () => {
  it('has both a 2-decimal and a 0-decimal currency (the round trips below cover each exponent)', () => {
    expect(exponents.sort()).toEqual([0, 2]);
    expect(currencyExponent('CNY')).toBe(2);
    expect(currencyExponent('JPY')).toBe(0);
  });
});

describe('parseDecimalAmount / formatDecimalAmount round trip', () => {
  it('format(parse(x)) is the canonical text of x for every accepted decimal text, in every currency', () => {
    fc.assert(
      fc.property(
        currency,
        fc.integer({ min: 0, max: 1_000_000_000 }),
        fc.nat({ max: 4 }),
        digits(0, 2),
        fc.nat({ max: 4 }),
        (cur, whole, leadingZeros, rawFraction, trailingZeros) => {
          const exponent = currencyExponent(cur);
          const fraction = rawFraction.slice(0, exponent);
          const fractionText = fraction + '0'.repeat(trailingZeros);
          const text = '0'.repeat(leadingZeros) + String(whole) + (fractionText ? `.${fractionText}` : '');
          // Canonical: no leading zeros, exactly `exponent` decimals.
          const canonical = exponent === 0 ? String(whole) : `${whole}.${fraction.padEnd(exponent, '0')}`;
          expect(formatDecimalAmount(parseDecimalAmount(text, cur), cur)).toBe(canonical);
        },
      ),
    );
  });

  it('parse(format(n)) === n for every non-negative safe integer, in every currency', () => {
    fc.assert(
      fc.property(currency, fc.maxSafeNat(), (cur, n) => {
        expect(parseDecimalAmount(formatDecimalAmount(n, cur), cur)).toBe(n);
      }),
    );
  });

  it('parse(format(n)) === n at the edges: 0, 1, MAX_AMOUNT_MINOR and Number.MAX_SAFE_INTEGER', () => {
    for (const cur of CURRENCIES) {
      for (const n of [0, 1, 9, 10, 99, 100, MAX_AMOUNT_MINOR, Number.MAX_SAFE_INTEGER]) {
        expect(parseDecimalAmount(formatDecimalAmount(n, cur), cur)).toBe(n);
      }
    }
  });

  it('format gives exactly the currency\'s number of decimals', () => {
    fc.assert(
      fc.property(currency, fc.maxSafeNat(), (cur, n) => {
        const text = formatDecimalAmount(n, cur);
        const exponent = currencyExponent(cur);
        if (exponent === 0) expect(text).toMatch(/^(0|[1-9]\d*)$/);
        else expect(text).toMatch(new RegExp(`^(0|[1-9]\\d*)\\.\\d{${exponent}}$`));
      }),
    );
  });

  it('parse rejects more significant decimals than the currency allows, for every exponent', () => {
    fc.assert(
      fc.property(currency, fc.nat({ max: 1_000_000 }), digits(0, 3), fc.constantFrom(...'123456789'), (cur, whole, mid, last) => {
        const exponent = currencyExponent(cur);
        const fraction = (mid + '000').slice(0, exponent) + last; // exponent + 1 significant decimals
        const error = validationError(() => parseDecimalAmount(`${whole}.${fraction}`, cur));
        expect(error.code).toBe('invalid_amount');
      }),
    );
  });
});

describe('parseDecimalAmount exact cases', () => {
  it('"0.02" CNY is 2', () => expect(parseDecimalAmount('0.02', 'CNY')).toBe(2));
  it('"1.5" CNY is 150', () => expect(parseDecimalAmount('1.5', 'CNY')).toBe(150));
  it('"1.50" CNY is 150', () => expect(parseDecimalAmount('1.50', 'CNY')).toBe(150));
  it('"100" JPY is 100', () => expect(parseDecimalAmount('100', 'JPY')).toBe(100));
  it('"1.0" JPY is accepted as 1', () => expect(parseDecimalAmount('1.0', 'JPY')).toBe(1));
  it('"007" is 7 (leading zeros are harmless)', () => expect(parseDecimalAmount('007', 'JPY')).toBe(7));
  it('surrounding whitespace is trimmed', () => expect(parseDecimalAmount(' 1.25\n', 'USD')).toBe(125));

  it('"0.001" CNY is a ValidationError (too many decimals)', () => {
    const error = validationError(() => parseDecimalAmount('0.001', 'CNY'));
    expect(error.code).toBe('invalid_amount');
    expect(error.statusCode).toBe(400);
    expect(error.message).toContain('2 decimal');
  });

  it('"1.5" JPY is a ValidationError (JPY has no decimals)', () => {
    expect(validationError(() => parseDecimalAmount('1.5', 'JPY')).code).toBe('invalid_amount');
  });

  it.each(['-1', '+1', '1e3', '', ' ', '0x10', '1,00', '1.', '.5', '1.2.3', 'NaN', 'Infinity', '１', '٣', '1 000', '1_000'])(
    '"%s" is not a decimal amount',
    (text) => {
      const error = validationError(() => parseDecimalAmount(text, 'CNY'));
      expect(error.code).toBe('invalid_amount');
    },
  );

  it('reports the param it was given', () => {
    expect(validationError(() => parseDecimalAmount('x', 'CNY', 'total_fee')).param).toBe('total_fee');
    expect(validationError(() => parseDecimalAmount('x', 'CNY')).param).toBe('amount');
  });

  it('an amount beyond the safe integers is amount_too_large, not a wrong number', () => {
    expect(parseDecimalAmount('9007199254740991', 'JPY')).toBe(Number.MAX_SAFE_INTEGER);
    for (const [text, cur] of [
      ['9007199254740992', 'JPY'],
      ['90071992547409.92', 'CNY'],
      ['12345678901234567890', 'JPY'],
      ['999999999999999999999999999999', 'CNY'],
    ] as const) {
      expect(validationError(() => parseDecimalAmount(text, cur)).code).toBe('amount_too_large');
    }
  });

  it('leading zeros do not count towards the size limit', () => {
    expect(parseDecimalAmount(`${'0'.repeat(40)}1`, 'JPY')).toBe(1);
  });

  it('runs in linear time on a huge run of zeros (no regex backtracking)', () => {
    const zeros = '0'.repeat(100_000);
    const started = performance.now();
    expect(validationError(() => parseDecimalAmount(`1.${zeros}1`, 'CNY')).code).toBe('invalid_amount');
    expect(parseDecimalAmount(`1.${zeros}`, 'CNY')).toBe(100);
    expect(validationError(() => parseDecimalAmount(`1${zeros}`, 'CNY')).code).toBe('amount_too_large');
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});

describe('parseDecimalAmountValue (JSON strings and numbers)', () => {
  it('the JSON number 0.02 CNY is 2', () => expect(parseDecimalAmountValue(JSON.parse('0.02'), 'CNY')).toBe(2));
  it('the JSON number 19.99 CNY is 1999 (no float multiplication)', () => expect(parseDecimalAmountValue(19.99, 'CNY')).toBe(1999));
  it('the JSON number 1.1 CNY is 110', () => expect(parseDecimalAmountValue(1.1, 'CNY')).toBe(110));
  it('the JSON number 100 JPY is 100', () => expect(parseDecimalAmountValue(100, 'JPY')).toBe(100));
  it('a string is parsed like parseDecimalAmount', () => expect(parseDecimalAmountValue('1.50', 'CNY')).toBe(150));

  it('0.1 + 0.2 (0.30000000000000004) is rejected as too many decimals, not silently 30', () => {
    expect(0.1 + 0.2).toBe(0.30000000000000004);
    const error = validationError(() => parseDecimalAmountValue(0.1 + 0.2, 'CNY'));
    expect(error.code).toBe('invalid_amount');
    expect(error.message).toContain('decimal place');
  });

  it('the JSON number 1.5 JPY is rejected', () => {
    expect(validationError(() => parseDecimalAmountValue(1.5, 'JPY')).code).toBe('invalid_amount');
  });

  it('every canonical amount sent as a JSON number comes back exactly', () => {
    fc.assert(
      fc.property(currency, fc.integer({ min: 0, max: MAX_AMOUNT_MINOR }), (cur, n) => {
        const asJsonNumber: unknown = JSON.parse(formatDecimalAmount(n, cur));
        expect(typeof asJsonNumber).toBe('number');
        expect(parseDecimalAmountValue(asJsonNumber, cur)).toBe(n);
      }),
    );
  });

  it.each([
    ['negative', -1],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['exponent notation (1e21)', 1e21],
    ['tiny exponent notation (1e-7)', 1e-7],
    ['boolean', true],
    ['null', null],
    ['undefined', undefined],
    ['object', { value: 1 }],
    ['bigint', 10n],
  ])('rejects %s', (_label, value) => {
    expect(validationError(() => parseDecimalAmountValue(value, 'CNY')).code).toBe('invalid_amount');
  });
});

describe('formatDecimalAmount exact cases', () => {
  it('2 CNY is "0.02"', () => expect(formatDecimalAmount(2, 'CNY')).toBe('0.02'));
  it('150 CNY is "1.50"', () => expect(formatDecimalAmount(150, 'CNY')).toBe('1.50'));
  it('0 CNY is "0.00"', () => expect(formatDecimalAmount(0, 'CNY')).toBe('0.00'));
  it('100 JPY is "100"', () => expect(formatDecimalAmount(100, 'JPY')).toBe('100'));
  it('-5 CNY is "-0.05"', () => expect(formatDecimalAmount(-5, 'CNY')).toBe('-0.05'));
  it('a non-integer amount is a RangeError', () => {
    expect(() => formatDecimalAmount(1.5, 'CNY')).toThrow(RangeError);
    expect(() => formatDecimalAmount(Number.NaN, 'CNY')).toThrow(RangeError);
    expect(() => formatDecimalAmount(2 ** 53, 'JPY')).toThrow(RangeError);
  });
});

describe('assertMinorAmount', () => {
  it('accepts every integer from 1 to MAX_AMOUNT_MINOR unchanged', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: MAX_AMOUNT_MINOR }), (n) => {
      expect(assertMinorAmount(n)).toBe(n);
    }));
    expect(assertMinorAmount(1)).toBe(1);
    expect(assertMinorAmount(MAX_AMOUNT_MINOR)).toBe(MAX_AMOUNT_MINOR);
  });

  it('rejects zero and negative amounts as invalid_amount', () => {
    fc.assert(
      fc.property(fc.integer({ min: Number.MIN_SAFE_INTEGER, max: 0 }), (n) => {
        expect(validationError(() => assertMinorAmount(n)).code).toBe('invalid_amount');
      }),
    );
  });

  it('rejects amounts above MAX_AMOUNT_MINOR as amount_too_large', () => {
    fc.assert(
      fc.property(fc.integer({ min: MAX_AMOUNT_MINOR + 1, max: Number.MAX_SAFE_INTEGER }), (n) => {
        expect(validationError(() => assertMinorAmount(n)).code).toBe('amount_too_large');
      }),
    );
  });

  it('rejects every non-integer number', () => {
    fc.assert(
      fc.property(
        fc.double().filter((x) => !Number.isSafeInteger(x)),
        (x) => {
          expect(validationError(() => assertMinorAmount(x)).code).toBe('invalid_amount');
        },
      ),
    );
  });

  it.each([['string', '100'], ['bigint', 100n], ['null', null], ['undefined', undefined], ['2^53', 2 ** 53]])(
    'rejects a %s',
    (_label, value) => {
      expect(validationError(() => assertMinorAmount(value)).code).toBe('invalid_amount');
    },
  );

  it('reports the param it was given', () => {
    expect(validationError(() => assertMinorAmount(0, 'refund_amount')).param).toBe('refund_amount');
  });
});

describe('parseCurrency', () => {
  it('accepts every supported currency in any letter case and returns the upper-case code', () => {
    fc.assert(
      fc.property(currency, fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }), (cur, lower) => {
        const mixed = [...cur].map((ch, i) => (lower[i] ? ch.toLowerCase() : ch)).join('');
        expect(parseCurrency(mixed)).toBe(cur);
      }),
    );
  });

  it('"cny" is CNY and "JPY" is JPY', () => {
    expect(parseCurrency('cny')).toBe('CNY');
    expect(parseCurrency('JPY')).toBe('JPY');
  });

  it.each(['XXX', 'BTC', '', 'CN', 'CNYY', ' CNY', 'CNY ', 'constructor', 'toString', '__proto__', 'hasOwnProperty'])(
    'rejects the unknown currency "%s" with invalid_currency',
    (value) => {
      const error = validationError(() => parseCurrency(value));
      expect(error.code).toBe('invalid_currency');
      expect(error.param).toBe('currency');
    },
  );

  it.each([['number', 156], ['null', null], ['undefined', undefined], ['array', ['CNY']], ['object', { code: 'CNY' }]])(
    'rejects a %s',
    (_label, value) => {
      expect(validationError(() => parseCurrency(value)).code).toBe('invalid_currency');
    },
  );

  it('reports the param it was given', () => {
    expect(validationError(() => parseCurrency('XXX', 'fee_type')).param).toBe('fee_type');
  });

  it('isCurrency is case-sensitive: only the canonical code is a Currency', () => {
    expect(isCurrency('CNY')).toBe(true);
    expect(isCurrency('cny')).toBe(false);
    expect(isCurrency('toString')).toBe(false);
  });

  it('CURRENCIES lists exactly the keys of CURRENCY_EXPONENTS', () => {
    expect([...CURRENCIES].sort()).toEqual((Object.keys(CURRENCY_EXPONENTS) as Currency[]).sort());
  });
});

describe('exactMinorUnits', () => {
  it('reads integers as numbers or as the text PostgreSQL gives for bigint, exactly', () => {
    expect(exactMinorUnits(1234)).toBe(1234);
    expect(exactMinorUnits('9007199254740991')).toBe(9_007_199_254_740_991);
    expect(exactMinorUnits(0n)).toBe(0);
  });

  it('refuses what is not an exact integer instead of rounding it', () => {
    for (const bad of ['9007199254740993', '12.5', '', '1e3', 0.1 + 0.2]) expect(() => exactMinorUnits(bad)).toThrow(/not an exact integer/);
  });
});
