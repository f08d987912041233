import type { RefundStatus } from '@counterpay/core';
import type { RefundRow } from '../../payments/objects.ts';
import { chargeId, refundId, transactionId } from './omise-ids.ts';

/** Omise writes times as ISO 8601 to the second in UTC (`2020-07-07T01:34:23Z`). */
export function omiseTime(isoText: string): string {
  return `${isoText.slice(0, 19)}Z`;
}

export type OmiseOrder = 'chronological' | 'reverse_chronological';

export interface OmisePage {
  limit: number;
  offset: number;
  total: number;
  order: OmiseOrder;
  /** The window the list covers; Omise answers the epoch and "now" when none was asked for. */
  from?: string | null;
  to?: string | null;
}

/** Omise's list object: offset pagination over a time window. */
export function omiseList<T>(data: T[], location: string, page: OmisePage, now = new Date()) {
  return {
    object: 'list',
    data,
    limit: page.limit,
    offset: page.offset,
    total: page.total,
    location,
    order: page.order,
    from: omiseTime(page.from ?? '1970-01-01T00:00:00'),
    to: omiseTime(page.to ?? now.toISOString()),
  };
}

/** Omise refunds are `closed` once the money went back; counterpay's still-running ones are `pending`. */
function omiseRefundStatus(status: RefundStatus): 'pending' | 'closed' | 'failed' {
  switch (status) {
    case 'processing':
      return 'pending';
    case 'succeeded':
      return 'closed';
    case 'failed':
      return 'failed';
    default: {
      const never: never = status;
      throw new Error(`unmapped refund status ${String(never)}`);
    }
  }
}

/** Metadata the Omise refund request carried, kept in `refunds.dialect_data`. */
function refundMetadata(dialectData: string): Record<string, unknown> {
  try {
    const parsed = JSON.parse(dialectData) as { metadata?: unknown };
    const metadata = parsed?.metadata;
    return metadata && typeof metadata === 'object' && !Array.isArray(metadata) ? (metadata as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The refund object with every field of seed 003's example. */
export function toOmiseRefund(refund: RefundRow) {
  const livemode = refund.livemode === 1;
  const charge = chargeId(refund.payment_id, livemode);
  const id = refundId(refund.id, livemode);
  return {
    object: 'refund',
    id,
    location: `/charges/${charge}/refunds/${id}`,
    livemode,
    // Omise voids a refund made before the charge settled; counterpay always refunds at the wallet.
    voided: false,
    currency: refund.currency,
    amount: refund.amount,
    metadata: refundMetadata(refund.dialect_data),
    charge,
    transaction: omiseRefundStatus(refund.status) === 'closed' ? transactionId(refund.id, livemode) : null,
    status: omiseRefundStatus(refund.status),
    funding_amount: refund.amount,
    funding_currency: refund.currency,
    created_at: omiseTime(refund.created_at),
  };
}

export type OmiseRefund = ReturnType<typeof toOmiseRefund>;
