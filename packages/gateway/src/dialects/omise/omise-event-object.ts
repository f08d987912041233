import { FAILURE_CODES, PAYMENT_STATUSES, type FailureCode, type PaymentStatus } from '@counterpay/core';
import type { PaymentRow, RefundRow } from '../../payments/objects.ts';
import { type OmiseCharge, toOmiseCharge } from './omise-charge-object.ts';
import type { FeeRates } from '@counterpay/core';
import { eventId } from './omise-ids.ts';
import { type OmiseRefund, omiseTime, toOmiseRefund } from './omise-objects.ts';

/** The native events that complete a charge; Omise calls each of them `charge.complete`. */
export const CHARGE_COMPLETE_EVENT_TYPES = ['payment.succeeded', 'payment.failed', 'payment.closed'] as const;

/**
 * The native event of a refund that Omise announces as `refund.create` ("Refund has been created",
 * Omise's webhook event list) with the refund object inside. counterpay refunds at the wallet before
 * the refund exists for an Omise merchant (a refund the wallet refuses is a `failed_refund` error, not
 * a refund), so the refund that succeeded is the one Omise created.
 */
export const REFUND_CREATE_EVENT_TYPE = 'refund.succeeded';

/** Every native event an Omise merchant hears of, in Omise's words. */
export const OMISE_EVENT_TYPES = [...CHARGE_COMPLETE_EVENT_TYPES, REFUND_CREATE_EVENT_TYPE] as const;

export function isChargeCompleteEvent(type: string): boolean {
  return (CHARGE_COMPLETE_EVENT_TYPES as readonly string[]).includes(type);
}

const isPaymentStatus = (value: unknown): value is PaymentStatus => (PAYMENT_STATUSES as readonly unknown[]).includes(value);
const isFailureCode = (value: unknown): value is FailureCode => (FAILURE_CODES as readonly unknown[]).includes(value);
const textOrNull = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/**
 * The payment as it was when the event was written: the outbox payload holds the native payment
 * object of that moment (status, failure, refunded amount), laid over the current row for the facts
 * that never change. An event read a month later still shows the charge it announced.
 */
export function paymentAsOfEvent(current: PaymentRow, eventPayload: unknown): PaymentRow {
  const snapshot = (eventPayload as { data?: { object?: Record<string, unknown> } } | null)?.data?.object;
  if (!snapshot || typeof snapshot !== 'object' || snapshot.id !== current.id || !isPaymentStatus(snapshot.status)) return current;
  return {
    ...current,
    status: snapshot.status,
    amount_refunded: typeof snapshot.amount_refunded === 'number' ? snapshot.amount_refunded : current.amount_refunded,
    failure_code: isFailureCode(snapshot.failure_code) ? snapshot.failure_code : null,
    failure_message: textOrNull(snapshot.failure_message),
    paid_at: textOrNull(snapshot.paid_at),
    closed_at: textOrNull(snapshot.closed_at),
  };
}

/** Omise's event object: `charge.complete` with the charge inside (seed 003, Events API). */
export function toOmiseEvent(event: { id: string; created_at: string }, charge: OmiseCharge) {
  const id = eventId(event.id, charge.livemode);
  return {
    object: 'event',
    id,
    livemode: charge.livemode,
    location: `/events/${id}`,
    key: 'charge.complete',
    created_at: omiseTime(event.created_at),
    data: charge,
  };
}

/** Omise's `refund.create` event with the refund object inside. */
export function toOmiseRefundEvent(event: { id: string; created_at: string }, refund: OmiseRefund) {
  const id = eventId(event.id, refund.livemode);
  return {
    object: 'event',
    id,
    livemode: refund.livemode,
    location: `/events/${id}`,
    key: 'refund.create',
    created_at: omiseTime(event.created_at),
    data: refund,
  };
}

/** A stored `refund.succeeded` outbox row as the Omise `refund.create` event. */
export function omiseRefundEventFromOutbox(event: { id: string; created_at: string }, refund: RefundRow) {
  return toOmiseRefundEvent(event, toOmiseRefund(refund));
}

/**
 * A stored `payment.*` outbox row as the Omise event a merchant reads or receives. Refunds made after
 * the event are left out, like the refunded amount of its snapshot.
 */
export function omiseEventFromOutbox(
  event: { id: string; created_at: string; payload: unknown },
  payment: PaymentRow,
  refunds: readonly RefundRow[],
  rates: FeeRates,
) {
  const asOfEvent = paymentAsOfEvent(payment, event.payload);
  const earlierRefunds = refunds.filter((refund) => refund.created_at <= event.created_at);
  return toOmiseEvent(event, toOmiseCharge(asOfEvent, earlierRefunds, rates, new Date(event.created_at)));
}
