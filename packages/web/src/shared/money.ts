/**
 * Money in the browser, exact: amounts are integers in minor units and decimal text is parsed digit by
 * digit, never through a float. The exponent table and the parser are core's (one table, used
 * everywhere), bundled into the screens; this module only makes them answer null instead of throwing.
 */
import {
  CURRENCIES,
  MAX_AMOUNT_MINOR,
  type Currency,
  currencyExponent as coreExponent,
  formatDecimalAmount,
  isCurrency,
  parseDecimalAmount,
} from '../../../core/src/money.ts';

export { CURRENCIES, MAX_AMOUNT_MINOR, isCurrency, type Currency };

/** The currency's minor-unit exponent (2 for CNY, 0 for JPY); 2 for a code counterpay does not settle. */
export function currencyExponent(currency: string): number {
  const upper = currency.toUpperCase();
  return isCurrency(upper) ? coreExponent(upper) : 2;
}

/**
 * "12.3" in CNY → 1230. Null when the text is not a plain non-negative decimal with at most the
 * currency's number of fraction digits, or is above the largest amount a payment may have.
 */
export function parseAmount(text: string, currency: string): number | null {
  const upper = currency.toUpperCase();
  if (!isCurrency(upper)) return null;
  try {
    const minor = parseDecimalAmount(text, upper);
    return minor <= MAX_AMOUNT_MINOR ? minor : null;
  } catch {
    return null;
  }
}

/** 1230 in CNY → "12.30", with thousands grouped ("1,234.50"); no currency code. */
export function formatMinor(minor: number, currency: string): string {
  const upper = currency.toUpperCase();
  const text = isCurrency(upper) ? formatDecimalAmount(minor, upper) : formatDecimalAmount(minor, 'CNY');
  const [whole, fraction] = text.split('.');
  const grouped = whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}

/** "CNY 12.30". */
export function formatMoney(minor: number, currency: string): string {
  return `${currency.toUpperCase()} ${formatMinor(minor, currency)}`;
}
