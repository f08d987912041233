import type { EventPayload } from '../repositories/event-outbox.ts';
import type { EventSubject } from '../repositories/event-repository.ts';

/** An outbox event as stored in `events.payload` (the native event object). */
export type { EventPayload };

export interface NotificationContext {
  event: EventPayload;
  /** The payment the event is about (for refund events: the refunded payment). */
  payment: EventSubject['payment'];
  /** The refund, for refund events. */
  refund: EventSubject['refund'];
  /** The secret that signs for this target: a webhook endpoint's secret, or the dialect's shared secret. */
  secret: string;
  /** Dialect account facts needed in the envelope (PingPong accId/clientId, ScanForPay partnerNo). */
  account: { accountId: string; clientId: string | null } | null;
  /** The merchant's pricing, for formats that show fees (Omise). */
  merchant: EventSubject['merchant'];
}

export interface RenderedNotification {
  body: string;
  headers: Record<string, string>;
}

/**
 * How notifications look for payments created through one API dialect (native, pingpong,
 * scanforpay, omise). The delivery worker is the same for all; only rendering and the
 * acknowledgement rule differ.
 */
export interface NotificationFormat {
  readonly dialect: string;
  /** The event types this dialect notifies about (others are not sent in this format). */
  readonly eventTypes: readonly string[];
  /**
   * Whether a webhook endpoint may be registered in this format (`POST /v1/webhook_endpoints` with
   * `format`): for dialects whose merchants configure one URL for every payment (Omise's dashboard)
   * rather than a URL per request. Such an endpoint gets only events of payments made through the dialect.
   */
  readonly webhookEndpoint?: boolean;
  /** Which shared secret signs notify_url deliveries: 'webhook' (the merchant's whsec_) or the dialect's own. */
  readonly secretSource: 'webhook' | 'dialect';
  render(ctx: NotificationContext): RenderedNotification;
  /** Whether the receiver's answer acknowledges delivery (PingPong: 2xx and not `FAIL`; ScanForPay: `success`). */
  acknowledged(status: number, body: string): boolean;
}
