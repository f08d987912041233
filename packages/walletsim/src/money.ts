/** Minor-unit exponents the simulated wallets accept (ISO 4217); amounts never touch floats. */
const EXPONENTS: Record<string, number> = { CNY: 2, HKD: 2, THB: 2, USD: 2, EUR: 2, GBP: 2, SGD: 2, MYR: 2, AUD: 2, JPY: 0, KRW: 0 };

export function knownCurrency(currency: string): boolean {
  return Object.hasOwn(EXPONENTS, currency);
}

/** "12.34" → 1234 for a 2-decimal currency; null when malformed or with too many decimals. */
export function decimalToMinor(text: string, currency: string): number | null {
  const exponent = EXPONENTS[currency];
  const match = /^(\d{1,13})(?:\.(\d+))?$/.exec(text);
  if (exponent === undefined || !match) return null;
  const fraction = (match[2] ?? '').replace(/0+$/, '');
  if (fraction.length > exponent) return null;
  return Number(match[1]! + fraction.padEnd(exponent, '0'));
}

export function minorToDecimal(minor: number, currency: string): string {
  const exponent = EXPONENTS[currency] ?? 2;
  if (exponent === 0) return String(minor);
  const digits = String(minor).padStart(exponent + 1, '0');
  return `${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}

/**
 * Cross-border: a buyer holding CNY pays a foreign-currency trade at a fixed rate, as the real wallets
 * settle it. Rates are CNY fen per 100 minor units of the foreign currency (integers; rounded up).
 */
const CNY_FEN_PER_100_MINOR: Record<string, number> = { HKD: 92, THB: 20, USD: 720, EUR: 780, GBP: 910, SGD: 535, MYR: 155, AUD: 470, JPY: 480, KRW: 53 };

export function toCnyFen(amount: number, currency: string): number {
  if (currency === 'CNY') return amount;
  const rate = CNY_FEN_PER_100_MINOR[currency] ?? 100;
  return Math.ceil((amount * rate) / 100);
}
