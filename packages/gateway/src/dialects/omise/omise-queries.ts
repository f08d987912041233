import type { MerchantService } from '../../merchants/merchant-service.ts';
import type { DialectEvents } from '../../notifications/dialect-events.ts';
import type { PaymentRow, RefundRow } from '../../payments/objects.ts';
import type { PaymentService } from '../../payments/payment-service.ts';
import type { RefundService } from '../../payments/refund-service.ts';
import type { MerchantScope } from '../../repositories/scope.ts';
import { CHARGE_COMPLETE_EVENT_TYPES } from './omise-event-object.ts';
import { eventIdOf, paymentIdOf, refundIdOf } from './omise-ids.ts';
import type { ListQuery } from './omise-requests.ts';

/** An outbox event as the Omise views read it: its id, time and native payload text. */
export interface EventRow {
  id: string;
  created_at: string;
  payload: string;
}

/** Omise shows only what was made through Omise: charges of other APIs are not charges to it. */
const DIALECT = 'omise';
const CHARGE_EVENTS = { dialect: DIALECT, types: CHARGE_COMPLETE_EVENT_TYPES };

/**
 * The reads behind the Omise views (Omise ids, offset pages, time windows, events with their charge),
 * over the payment, refund and event services. Writes go through the services directly.
 */
export class OmiseQueries {
  constructor(
    private readonly payments: PaymentService,
    private readonly refunds: RefundService,
    private readonly merchants: MerchantService,
    private readonly events: DialectEvents,
  ) {}

  /** The scope's Omise charge with this Omise id, or null (unknown, another merchant's or mode's, another API's). */
  async charge(scope: MerchantScope, omiseChargeId: string): Promise<PaymentRow | null> {
    const paymentId = paymentIdOf(omiseChargeId);
    const payment = paymentId ? await this.payments.findPayment(scope, paymentId) : null;
    return payment?.dialect === DIALECT ? payment : null;
  }

  async refund(payment: PaymentRow, omiseRefundId: string): Promise<RefundRow | null> {
    const id = refundIdOf(omiseRefundId);
    if (!id) return null;
    const refunds = (await this.refunds.listRefundsOf([payment.id])).get(payment.id) ?? [];
    return refunds.find((refund) => refund.id === id) ?? null;
  }

  /** Refunds of each payment, oldest first, in one query. */
  refundsOf(paymentIds: readonly string[]): Promise<Map<string, RefundRow[]>> {
    return this.refunds.listRefundsOf(paymentIds);
  }

  /** One page of the scope's Omise charges in the time window, and how many the window holds. */
  chargesPage(scope: MerchantScope, query: ListQuery): Promise<{ rows: PaymentRow[]; total: number }> {
    return this.payments.pagePayments(scope, { dialect: DIALECT, ...query });
  }

  /** The store Omise would use when a charge names none ("must already be configured on your account"). */
  defaultStore(merchantId: string): Promise<{ external_no: string; name: string } | null> {
    return this.merchants.findStore(merchantId);
  }

  /** A `charge.complete` event of one of the scope's Omise charges, with that charge. */
  async event(scope: MerchantScope, omiseEventId: string): Promise<{ event: EventRow; payment: PaymentRow } | null> {
    const id = eventIdOf(omiseEventId);
    const event = id ? await this.events.get(scope, id, CHARGE_EVENTS) : null;
    const payment = event ? await this.payments.findPayment(scope, event.objectId) : null;
    return event && payment ? { event: eventRow(event), payment } : null;
  }

  /** One page of the scope's `charge.complete` events, each with its charge. */
  async eventsPage(scope: MerchantScope, query: ListQuery): Promise<{ rows: Array<{ event: EventRow; payment: PaymentRow }>; total: number }> {
    const { rows: events, total } = await this.events.page(scope, { ...CHARGE_EVENTS, ...query });
    const payments = await this.payments.getPaymentsById([...new Set(events.map((e) => e.objectId))]);
    const byId = new Map(payments.map((p) => [p.id, p]));
    const rows = events.flatMap((event) => {
      const payment = byId.get(event.objectId);
      return payment ? [{ event: eventRow(event), payment }] : [];
    });
    return { rows, total };
  }
}

function eventRow(event: { id: string; createdAt: string; payload: unknown }): EventRow {
  return { id: event.id, created_at: event.createdAt, payload: JSON.stringify(event.payload) };
}
