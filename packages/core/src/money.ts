import { ValidationError } from './errors.ts';

/** ISO 4217 minor-unit exponents of the currencies counterpay settles. One table, used everywhere. */
export const CURRENCY_EXPONENTS = {
  CNY: 2,
  HKD: 2,
  THB: 2,
  USD: 2,
  EUR: 2,
  GBP: 2,
  SGD: 2,
  MYR: 2,
  AUD: 2,
  JPY: 0,
  KRW: 0,
} as const;

export type Currency = keyof typeof CURRENCY_EXPONENTS;
export const CURRENCIES = Object.keys(CURRENCY_EXPONENTS) as Currency[];

export function isCurrency(value: unknown): value is Currency {
  return typeof value === 'string' && Object.hasOwn(CURRENCY_EXPONENTS, value);
}

export function parseCurrency(value: unknown, param = 'currency'): Currency {
  const upper = typeof value === 'string' ? value.toUpperCase() : value;
  if (!isCurrency(upper)) {
    throw new ValidationError('invalid_currency', `Unsupported currency: ${String(value)}. Supported: ${CURRENCIES.join(', ')}.`, param);
  }
  return upper;
}

export function currencyExponent(currency: Currency): number {
  return CURRENCY_EXPONENTS[currency];
}

/** Largest amount (minor units) counterpay accepts in one payment: keeps every sum a safe integer. */
export const MAX_AMOUNT_MINOR = 100_000_000_000;

/** Checks that an amount in minor units is a positive safe integer within the global limit. */
export function assertMinorAmount(amount: unknown, param = 'amount'): number {
  if (typeof amount !== 'number' || !Number.isSafeInteger(amount)) {
    throw new ValidationError('invalid_amount', 'Amount must be an integer in the currency\'s minor unit.', param);
  }
  if (amount <= 0) throw new ValidationError('invalid_amount', 'Amount must be greater than zero.', param);
  if (amount > MAX_AMOUNT_MINOR) {
    throw new ValidationError('amount_too_large', `Amount must be at most ${MAX_AMOUNT_MINOR}.`, param);
  }
  return amount;
}

/**
 * An integer count of minor units as a database hands it back: a number, or text (PostgreSQL answers
 * bigint columns and sums as strings). Read exactly; anything that is not a safe integer is refused
 * rather than rounded.
 */
export function exactMinorUnits(value: number | string | bigint): number {
  const n = typeof value === 'number' ? value : /^-?\d+$/.test(String(value)) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n)) throw new Error(`not an exact integer amount of minor units: ${String(value)}`);
  return n;
}

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

/** More significant digits than this can never be a safe integer (2^53 - 1 has 16). */
const MAX_SAFE_DIGITS = 16;

// Linear-time trims: a regex such as /0+$/ backtracks quadratically on "1.000…0001" (a request body
// of zeros would pin the CPU for minutes).
function stripLeadingZeros(digits: string): string {
  let start = 0;
  while (start < digits.length - 1 && digits.charCodeAt(start) === 48) start++;
  return digits.slice(start);
}

function stripTrailingZeros(digits: string): string {
  let end = digits.length;
  while (end > 0 && digits.charCodeAt(end - 1) === 48) end--;
  return digits.slice(0, end);
}

/**
 * Parses decimal major-unit text ("0.02" CNY) into minor units (2) exactly, digit by digit.
 * Never goes through binary floating point; more decimals than the currency allows is an error
 * (trailing zeros beyond the exponent are accepted: "1.50" and "1.5" are both 150).
 */
export function parseDecimalAmount(text: string, currency: Currency, param = 'amount'): number {
  const match = DECIMAL.exec(text.trim());
  if (!match) throw new ValidationError('invalid_amount', `Amount "${text}" is not a decimal number.`, param);
  const exponent = currencyExponent(currency);
  const whole = stripLeadingZeros(match[1]!);
  const fraction = stripTrailingZeros(match[2] ?? '');
  if (fraction.length > exponent) {
    throw new ValidationError(
      'invalid_amount',
      `Amount "${text}" has more than ${exponent} decimal place(s), the most ${currency} allows.`,
      param,
    );
  }
  const digits = whole + fraction.padEnd(exponent, '0');
  if (digits.length > MAX_SAFE_DIGITS) throw new ValidationError('amount_too_large', `Amount "${text}" is too large.`, param);
  const minor = Number(BigInt(digits));
  if (!Number.isSafeInteger(minor)) throw new ValidationError('amount_too_large', `Amount "${text}" is too large.`, param);
  return minor;
}

/**
 * Accepts a decimal amount as JSON sends it: a string, or a JSON number whose source text was already
 * turned into a double by the JSON parser. For numbers we use the shortest round-trip text of the double
 * (what the sender wrote for every value with up to 15 significant digits) and parse that text exactly.
 */
export function parseDecimalAmountValue(value: unknown, currency: Currency, param = 'amount'): number {
  if (typeof value === 'string') return parseDecimalAmount(value, currency, param);
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) {
    const text = String(value);
    if (/e/i.test(text)) throw new ValidationError('invalid_amount', `Amount ${text} is out of range.`, param);
    return parseDecimalAmount(text, currency, param);
  }
  throw new ValidationError('invalid_amount', 'Amount must be a decimal number.', param);
}

/** Formats minor units as decimal major-unit text with exactly the currency's decimals: 2 CNY → "0.02". */
export function formatDecimalAmount(minor: number, currency: Currency): string {
  if (!Number.isSafeInteger(minor)) throw new RangeError(`not an integer amount: ${minor}`);
  const exponent = currencyExponent(currency);
  const negative = minor < 0;
  const digits = String(Math.abs(minor)).padStart(exponent + 1, '0');
  const whole = digits.slice(0, digits.length - exponent);
  const text = exponent === 0 ? whole : `${whole}.${digits.slice(digits.length - exponent)}`;
  return negative ? `-${text}` : text;
}
