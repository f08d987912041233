import type { MerchantService } from '../../merchants/merchant-service.ts';
import type { DialectEvent, DialectEvents } from '../../notifications/dialect-events.ts';
import type { PaymentRow, RefundRow } from '../../payments/objects.ts';
import type { PaymentService } from '../../payments/payment-service.ts';
import type { RefundService } from '../../payments/refund-service.ts';
import type { MerchantScope } from '../../repositories/scope.ts';
import { OMISE_EVENT_TYPES } from './omise-event-object.ts';
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
/** `charge.complete` and `refund.create`, the events its webhook sends, of Omise charges. */
const OMISE_EVENTS = { dialect: DIALECT, types: OMISE_EVENT_TYPES };

/** An event with its charge, and its refund for a `refund.create`. */
export interface OmiseEventSubject {
  event: EventRow;
  payment: PaymentRow;
  refund: RefundRow | null;
}

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

  /**
   * The store Omise would use when a charge names none ("must already be configured on your account"):
   * the merchant's first store; with `storeNo`, that store of the merchant (null if it has none such).
   */
  defaultStore(merchantId: string, storeNo?: string): Promise<{ external_no: string; name: string } | null> {
    return this.merchants.findStore(merchantId, storeNo);
  }

  /** A `charge.complete` or `refund.create` event of one of the scope's Omise charges, with that charge (and refund). */
  async event(scope: MerchantScope, omiseEventId: string): Promise<OmiseEventSubject | null> {
    const id = eventIdOf(omiseEventId);
    const event = id ? await this.events.get(scope, id, OMISE_EVENTS) : null;
    return event ? ((await this.withSubjects([event]))[0] ?? null) : null;
  }

  /** One page of the scope's Omise events, each with its charge (and refund). */
  async eventsPage(scope: MerchantScope, query: ListQuery): Promise<{ rows: OmiseEventSubject[]; total: number }> {
    const { rows: events, total } = await this.events.page(scope, { ...OMISE_EVENTS, ...query });
    return { rows: await this.withSubjects(events), total };
  }

  /** The charge of each event (a refund event names it in its refund object), and the refund of a refund event. */
  private async withSubjects(events: DialectEvent[]): Promise<OmiseEventSubject[]> {
    const paymentIdOfEvent = (event: DialectEvent) => (event.objectType === 'refund' ? String(event.payload.data.object.payment ?? '') : event.objectId);
    const paymentIds = [...new Set(events.map(paymentIdOfEvent))];
    const payments = new Map((await this.payments.getPaymentsById(paymentIds)).map((p) => [p.id, p]));
    const refundEvents = events.filter((event) => event.objectType === 'refund');
    const refunds = refundEvents.length ? await this.refunds.listRefundsOf([...new Set(refundEvents.map(paymentIdOfEvent))]) : new Map<string, RefundRow[]>();
    return events.flatMap((event): OmiseEventSubject[] => {
      const payment = payments.get(paymentIdOfEvent(event));
      if (!payment) return [];
      if (event.objectType !== 'refund') return [{ event: eventRow(event), payment, refund: null }];
      const refund = (refunds.get(payment.id) ?? []).find((r) => r.id === event.objectId);
      return refund ? [{ event: eventRow(event), payment, refund }] : [];
    });
  }
}

function eventRow(event: { id: string; createdAt: string; payload: unknown }): EventRow {
  return { id: event.id, created_at: event.createdAt, payload: JSON.stringify(event.payload) };
}
