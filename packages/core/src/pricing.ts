/** A merchant's pricing (Omise-style), in basis points (merchants.fee_rate_bps, merchants.fee_vat_bps). */
export interface FeeRates {
  feeRateBps: number;
  feeVatBps: number;
}

/** `numerator / denominator` rounded half up, in integers only (both are non-negative). */
function divideRoundingHalfUp(numerator: number, denominator: number): number {
  return Math.floor((2 * numerator + denominator) / (2 * denominator));
}

/**
 * Omise's charge pricing in satang: `fee` = amount × rate, `fee_vat` = VAT on the fee, and
 * `net` = amount − fee − fee_vat. Each step is rounded half up to a whole satang (fee first, then
 * VAT on the rounded fee), so `fee + fee_vat + net === amount` always holds. Products stay below
 * 2^53 (15,000,000 satang × 10,000 bps), so the arithmetic is exact.
 *
 * Seed 003: 400000 at 1.65% and 7% VAT → fee 6600, fee_vat 462, net 392938.
 */
export function feesOf(amount: number, rates: FeeRates): { fee: number; fee_vat: number; net: number } {
  const fee = divideRoundingHalfUp(amount * rates.feeRateBps, 10_000);
  const feeVat = divideRoundingHalfUp(fee * rates.feeVatBps, 10_000);
  return { fee, fee_vat: feeVat, net: amount - fee - feeVat };
}
