import { nativeFormat } from './formats/native-format.ts';
import type { NotificationFormat } from './notification-format.ts';

/**
 * Notification formats by the dialect a payment was created through. Built at the composition root,
 * where each dialect registers its own (envelope, signature, acknowledgement rule); payments of any
 * other dialect get native events. Notifications never import the dialects, so there is no cycle.
 */
export class NotificationFormats {
  readonly #formats = new Map<string, NotificationFormat>([[nativeFormat.dialect, nativeFormat]]);

  register(format: NotificationFormat): this {
    this.#formats.set(format.dialect, format);
    return this;
  }

  formatFor(dialect: string): NotificationFormat {
    return this.#formats.get(dialect) ?? nativeFormat;
  }
}
