/**
 * Omise ids are counterpay ids under Omise's prefixes (`pay_x` ↔ `chrg_test_x`, `re_x` ↔ `rfnd_test_x`,
 * `evt_x` ↔ `evnt_test_x`), so no mapping table is needed and every Omise id maps back. Live objects
 * drop the `test_` (`chrg_x`), as Omise's live keys see them; which mode a key may see is checked apart.
 */

/** The time-ordered random part of a counterpay id (`pay_0lz…` → `0lz…`). */
const suffixOf = (counterpayId: string): string => counterpayId.slice(counterpayId.indexOf('_') + 1);

/** counterpay id suffixes are lower-case base 36; anything else cannot be one of ours. */
const SUFFIX = /^[0-9a-z]{1,64}$/;

/** `chrg_test_` in test mode, `chrg_` in live mode. */
const prefix = (kind: string, livemode: boolean): string => (livemode ? `${kind}_` : `${kind}_test_`);

function parse(omiseId: string, kind: string, counterpayPrefix: string): string | null {
  const omisePrefix = [prefix(kind, false), prefix(kind, true)].find((p) => omiseId.startsWith(p));
  if (!omisePrefix) return null;
  const suffix = omiseId.slice(omisePrefix.length);
  return SUFFIX.test(suffix) ? `${counterpayPrefix}${suffix}` : null;
}

export const chargeId = (paymentId: string, livemode = false): string => `${prefix('chrg', livemode)}${suffixOf(paymentId)}`;
export const paymentIdOf = (omiseChargeId: string): string | null => parse(omiseChargeId, 'chrg', 'pay_');

/** The charge's source has no row of its own: its id is derived from the payment's. */
export const sourceId = (paymentId: string, livemode = false): string => `${prefix('src', livemode)}${suffixOf(paymentId)}`;

/** Omise names the balance movement of a paid charge or a refund a transaction. */
export const transactionId = (counterpayId: string, livemode = false): string => `${prefix('trxn', livemode)}${suffixOf(counterpayId)}`;

export const refundId = (counterpayRefundId: string, livemode = false): string => `${prefix('rfnd', livemode)}${suffixOf(counterpayRefundId)}`;
export const refundIdOf = (omiseRefundId: string): string | null => parse(omiseRefundId, 'rfnd', 're_');

export const eventId = (counterpayEventId: string, livemode = false): string => `${prefix('evnt', livemode)}${suffixOf(counterpayEventId)}`;
export const eventIdOf = (omiseEventId: string): string | null => parse(omiseEventId, 'evnt', 'evt_');
