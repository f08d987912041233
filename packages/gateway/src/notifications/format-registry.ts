import { omiseNotification } from '../dialects/omise/omise-notification.ts';
import { pingPongNotification } from '../dialects/pingpong/pingpong-notification.ts';
import { scanForPayNotification } from '../dialects/scanforpay/scanforpay-notification.ts';
import { nativeFormat } from './formats/native-format.ts';
import type { NotificationFormat } from './notification-format.ts';

/**
 * Notification formats by the dialect a payment was created through. A dialect registers its own
 * (its envelope, signature and acknowledgement rule); payments of any other dialect get native events.
 */
const formats = new Map<string, NotificationFormat>(
  [nativeFormat, pingPongNotification, scanForPayNotification, omiseNotification].map((format) => [format.dialect, format]),
);

export function registerNotificationFormat(format: NotificationFormat): void {
  formats.set(format.dialect, format);
}

export function notificationFormatFor(dialect: string): NotificationFormat {
  return formats.get(dialect) ?? nativeFormat;
}
