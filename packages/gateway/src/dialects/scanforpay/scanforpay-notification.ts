import { randomUUID } from 'node:crypto';
import type { NotificationFormat } from '../../notifications/notification-format.ts';
import { orderBody } from './scanforpay-order.ts';
import { scanForPayAnswer } from './scanforpay-protocol.ts';

/** ScanForPay notifies `notifyUrl` with its signed response envelope; only `success` acknowledges. */
export const scanForPayNotification: NotificationFormat = {
  dialect: 'scanforpay',
  // Seed 002: notifyUrl is told of successful payments only ("支付成功后会通知到该地址").
  eventTypes: ['payment.succeeded'],
  secretSource: 'dialect',
  render(ctx) {
    return { body: scanForPayAnswer(ctx.account?.accountId ?? '', randomUUID(), orderBody(ctx.payment), ctx.secret), headers: { 'content-type': 'application/json' } };
  },
  acknowledged: (status, body) => status >= 200 && status < 300 && body.trim().toLowerCase() === 'success',
};
