import type { NotificationFormat } from '../../notifications/notification-format.ts';
import { pingPongSignature } from './pingpong-protocol.ts';
import { paymentResult, refundResult } from './pingpong-results.ts';

/**
 * PingPong's signed notification envelope to `notificationUrl`; a 2xx whose body is not `FAIL` acknowledges.
 * Sent, as PingPong's status page says, for the states that trigger one: SUCCESS and FAILED (a CLOSED
 * payment is found by query). `notifyType` as the notification tables give it: a payment's is the
 * fixed value `RECHARGE` ("indicating the payment type"), a refund's `REFUND`, whatever the outcome.
 */
export const pingPongNotification: NotificationFormat = {
  dialect: 'pingpong',
  eventTypes: ['payment.succeeded', 'payment.failed', 'refund.succeeded', 'refund.failed'],
  secretSource: 'dialect',
  render(ctx) {
    const result = ctx.refund ? refundResult(ctx.refund, ctx.payment, ctx.refund.merchant_refund_id?.replace(/^pingpong:/, '') ?? '') : paymentResult(ctx.payment);
    const bizContent = JSON.stringify({ ...result.biz, notifyType: ctx.refund ? 'REFUND' : 'RECHARGE' });
    const fields: Record<string, string> = { accId: ctx.account?.accountId ?? '', clientId: ctx.account?.clientId ?? '', signType: 'SHA256', version: '1.0', bizContent };
    return { body: JSON.stringify({ ...fields, sign: pingPongSignature(fields, ctx.secret, 'SHA256') }), headers: { 'content-type': 'application/json' } };
  },
  acknowledged: (status, body) => status >= 200 && status < 300 && body.trim() !== 'FAIL',
};
