/**
 * The wallets' service fee (服务费 / 手续费): a rate per wallet applied to each trade, in integer minor
 * units, rounded half up to the minor unit as the wallets do. Rates are parts per million so "0.6%" and
 * "0.38%" are exact integers (6000, 3800); amounts times rates go through BigInt, never a float.
 */

/** The rate the wallets charge when the simulator is not told otherwise (0.6%, WeChat Pay's and Alipay's usual rate). */
export const DEFAULT_FEE_RATE_PPM = 6000;

const PPM = 1_000_000n;

/** "0.6%" or "0.006" → parts per million (6000); null when it is not a rate from 0 to 100%. */
export function parseFeeRate(text: string): number | null {
  const match = /^\s*(\d{1,3})(?:\.(\d{1,6}))?\s*(%?)\s*$/.exec(text);
  if (!match) return null;
  // A percentage has 4 more digits of ppm after the point, a fraction 6.
  const places = match[3] ? 4 : 6;
  const fraction = match[2] ?? '';
  if (fraction.length > places) return null;
  const ppm = Number(match[1]! + fraction.padEnd(places, '0'));
  return ppm <= 1_000_000 ? ppm : null;
}

/** "0.60%": the rate as WeChat Pay's bill shows it (费率), at least two decimals. */
export function formatFeeRate(ppm: number): string {
  const digits = String(ppm).padStart(5, '0');
  const whole = digits.slice(0, -4);
  const decimals = digits.slice(-4).replace(/0+$/, '').padEnd(2, '0');
  return `${Number(whole)}.${decimals}%`;
}

/** amount × rate, rounded half up to the minor unit. */
export function feeFor(amount: number, ratePpm: number): number {
  return Number((BigInt(amount) * BigInt(ratePpm) * 2n + PPM) / (2n * PPM));
}

/**
 * The fee a refund gives back: the share of the trade's fee that the refunds so far cover, minus what
 * earlier refunds gave back. Each refund returns its proportional share (rounded half up), and refunds
 * that add up to the whole trade give back exactly the whole fee.
 */
export function refundFeeFor(trade: { amount: number; fee: number }, refundedBefore: number, refundAmount: number): number {
  const returnedUpTo = (refunded: number) => Number((BigInt(trade.fee) * BigInt(refunded) * 2n + BigInt(trade.amount)) / (2n * BigInt(trade.amount)));
  return returnedUpTo(refundedBefore + refundAmount) - returnedUpTo(refundedBefore);
}
