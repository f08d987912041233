import { type Currency, formatDecimalAmount } from '@counterpay/core';
import type { PaymentRow } from '../repositories/payment-repository.ts';
import type { PaymentHistory } from '../repositories/dashboard-repository.ts';

/** One line of a payment's story, as the dashboard shows it. */
export interface TimelineEntry {
  at: string;
  kind: 'created' | 'wallet_call' | 'status_change' | 'cancel_requested' | 'refund' | 'notification';
  title: string;
  detail: string | null;
  /** ok (it worked), failed (it did not), pending (not known yet), or null (not an outcome). */
  outcome: 'ok' | 'failed' | 'pending' | null;
  latency_ms: number | null;
  /** The event a notification line delivers: what "redeliver" sends again. */
  event_id: string | null;
}

const amountText = (minor: number, currency: string) => `${formatDecimalAmount(minor, currency as Currency)} ${currency}`;

/** How each wallet-call outcome of the log (WalletCallRecord.outcome) reads: settled, declined or not sent, or still open. */
const CALL_OUTCOMES: Record<string, 'ok' | 'failed' | 'pending'> = {
  succeeded: 'ok',
  created: 'ok',
  closed: 'ok',
  cancelled: 'ok',
  not_found: 'ok',
  failed: 'failed',
  not_sent: 'failed',
  pending: 'pending',
  unknown: 'pending',
  retry: 'pending',
};
const callOutcome = (outcome: string) => CALL_OUTCOMES[outcome] ?? 'pending';

/**
 * Creation, every wallet call (with outcome and latency), every status change (the outbox events),
 * the cancel request, refunds and every notification attempt, oldest first. Built from what the
 * gateway stored; nothing here is inferred that the rows do not say.
 */
export function buildTimeline(payment: PaymentRow, history: PaymentHistory): TimelineEntry[] {
  const entries: TimelineEntry[] = [];
  const how = payment.flow === 'barcode' ? `barcode ${payment.barcode_masked ?? ''}`.trim() : 'QR code';
  const created: TimelineEntry = { at: payment.created_at, kind: 'created', title: `Created: ${amountText(payment.amount, payment.currency)} by ${how}`, detail: `order ${payment.merchant_order_id} through the ${payment.dialect} API`, outcome: null, latency_ms: null, event_id: null };
  for (const call of history.walletCalls) {
    const code = [call.wallet_code, call.http_status !== null ? `HTTP ${call.http_status}` : null, call.error].filter(Boolean).join(', ');
    entries.push({
      at: call.created_at,
      kind: 'wallet_call',
      title: `${call.wallet} ${call.method}${call.refund_id ? ` (refund ${call.refund_id})` : ''}: ${call.outcome}`,
      detail: code || null,
      outcome: callOutcome(call.outcome),
      latency_ms: call.latency_ms,
      event_id: null,
    });
  }
  if (payment.cancel_requested_at) entries.push({ at: payment.cancel_requested_at, kind: 'cancel_requested', title: 'Cancel requested by the merchant', detail: null, outcome: null, latency_ms: null, event_id: null });
  for (const refund of history.refunds) {
    entries.push({ at: refund.created_at, kind: 'refund', title: `Refund ${refund.id} of ${amountText(refund.amount, refund.currency)} requested`, detail: refund.reason, outcome: null, latency_ms: null, event_id: null });
  }
  for (const event of history.events) {
    const refundEvent = event.object_type === 'refund';
    const failure = refundEvent ? history.refunds.find((r) => r.id === event.object_id)?.failure_message : payment.failure_message;
    entries.push({
      at: event.created_at,
      kind: refundEvent ? 'refund' : 'status_change',
      title: refundEvent ? `Refund ${event.object_id}: ${event.type.replace(/^refund\./, '')}` : `Status: ${event.type.replace(/^payment\./, '').replace(/_/g, ' ')}`,
      detail: /failed|closed/.test(event.type) ? (failure ?? null) : null,
      outcome: null,
      latency_ms: null,
      event_id: event.id,
    });
  }
  for (const delivery of history.deliveries) {
    const event = history.events.find((e) => e.id === delivery.event_id);
    const label = `Notification ${event?.type ?? ''} to ${delivery.url}`;
    const attempts = history.attempts.filter((a) => a.delivery_id === delivery.id);
    for (const attempt of attempts) {
      const ok = attempt.http_status !== null && attempt.http_status >= 200 && attempt.http_status < 300;
      entries.push({
        at: attempt.attempted_at,
        kind: 'notification',
        title: `${label}: ${attempt.http_status !== null ? `HTTP ${attempt.http_status}` : 'no answer'}`,
        detail: attempt.error ?? attempt.response_excerpt,
        outcome: ok ? 'ok' : 'failed',
        latency_ms: attempt.latency_ms,
        event_id: delivery.event_id,
      });
    }
    if (attempts.length === 0) entries.push({ at: delivery.created_at, kind: 'notification', title: `${label}: waiting to be sent`, detail: null, outcome: 'pending', latency_ms: null, event_id: delivery.event_id });
  }
  // Creation comes first by construction; a wallet call's start is derived (its end minus its latency)
  // and may read a millisecond earlier.
  return [created, ...entries.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))];
}
