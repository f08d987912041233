import type { NotificationFormat } from '../../notifications/notification-format.ts';
import { pingPongSignature } from './pingpong-protocol.ts';
import { paymentResult, refundResult } from './pingpong-results.ts';

/** PingPong's signed notification envelope to `notificationUrl`; a 2xx whose body is not `FAIL` acknowledges. */
export const pingPongNotification: NotificationFormat = {
  dialect: 'pingpong',
  eventTypes: ['payment.succeeded', 'payment.failed', 'payment.closed', 'refund.succeeded', 'refund.failed'],
  secretSource: 'dialect',
  render(ctx) {
    const result = ctx.refund ? refundResult(ctx.refund, ctx.payment, ctx.refund.merchant_refund_id?.replace(/^pingpong:/, '') ?? '') : paymentResult(ctx.payment);
    const bizContent = JSON.stringify({ ...result.biz, notifyType: ctx.refund ? 'REFUND' : 'PAYMENT' });
    const fields: Record<string, string> = { accId: ctx.account?.accountId ?? '', clientId: ctx.account?.clientId ?? '', signType: 'SHA256', version: '1.0', bizContent };
    return { body: JSON.stringify({ ...fields, sign: pingPongSignature(fields, ctx.secret, 'SHA256') }), headers: { 'content-type': 'application/json' } };
  },
  acknowledged: (status, body) => status >= 200 && status < 300 && body.trim() !== 'FAIL',
};
