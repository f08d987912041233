import type { DeliveryRules } from '../repositories/event-outbox.ts';
import { nativeFormat } from './formats/native-format.ts';
import type { NotificationFormat } from './notification-format.ts';

/**
 * Notification formats by the dialect a payment was created through. Built at the composition root,
 * where each dialect registers its own (envelope, signature, acknowledgement rule); payments of any
 * other dialect get native events. Notifications never import the dialects, so there is no cycle.
 */
export class NotificationFormats implements DeliveryRules {
  readonly #formats = new Map<string, NotificationFormat>([[nativeFormat.dialect, nativeFormat]]);

  register(format: NotificationFormat): this {
    this.#formats.set(format.dialect, format);
    return this;
  }

  formatFor(dialect: string): NotificationFormat {
    return this.#formats.get(dialect) ?? nativeFormat;
  }

  /** What the format of this name sends: the planner gives each target only these events. */
  eventTypesOf(format: string): readonly string[] {
    return this.formatFor(format).eventTypes;
  }

  /** The formats a merchant may give a webhook endpoint: native, and those a dialect's dashboard registers one URL for (Omise). */
  endpointFormats(): string[] {
    return [...this.#formats.values()].filter((f) => f.dialect === nativeFormat.dialect || f.webhookEndpoint === true).map((f) => f.dialect);
  }
}
