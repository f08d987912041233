/**
 * Omise ids are counterpay ids under Omise's prefixes (`pay_x` ↔ `chrg_test_x`, `re_x` ↔ `rfnd_test_x`,
 * `evt_x` ↔ `evnt_test_x`), so no mapping table is needed and every Omise id maps back. counterpay
 * creates test-mode payments only, hence always the `_test_` form Omise uses for test keys.
 */

/** The time-ordered random part of a counterpay id (`pay_0lz…` → `0lz…`). */
const suffixOf = (counterpayId: string): string => counterpayId.slice(counterpayId.indexOf('_') + 1);

/** counterpay id suffixes are lower-case base 36; anything else cannot be one of ours. */
const SUFFIX = /^[0-9a-z]{1,64}$/;

function parse(omiseId: string, omisePrefix: string, counterpayPrefix: string): string | null {
  if (!omiseId.startsWith(omisePrefix)) return null;
  const suffix = omiseId.slice(omisePrefix.length);
  return SUFFIX.test(suffix) ? `${counterpayPrefix}${suffix}` : null;
}

export const chargeId = (paymentId: string): string => `chrg_test_${suffixOf(paymentId)}`;
export const paymentIdOf = (omiseChargeId: string): string | null => parse(omiseChargeId, 'chrg_test_', 'pay_');

/** The charge's source has no row of its own: its id is derived from the payment's. */
export const sourceId = (paymentId: string): string => `src_test_${suffixOf(paymentId)}`;

/** Omise names the balance movement of a paid charge or a refund a transaction. */
export const transactionId = (counterpayId: string): string => `trxn_test_${suffixOf(counterpayId)}`;

export const refundId = (counterpayRefundId: string): string => `rfnd_test_${suffixOf(counterpayRefundId)}`;
export const refundIdOf = (omiseRefundId: string): string | null => parse(omiseRefundId, 'rfnd_test_', 're_');

export const eventId = (counterpayEventId: string): string => `evnt_test_${suffixOf(counterpayEventId)}`;
export const eventIdOf = (omiseEventId: string): string | null => parse(omiseEventId, 'evnt_test_', 'evt_');
