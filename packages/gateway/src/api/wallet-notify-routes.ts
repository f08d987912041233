import type { FastifyPluginAsync } from 'fastify';
import { isWallet } from '@counterpay/core';
import type { Services } from '../services.ts';
import { readBodiesAsText } from '../dialects/shared/raw-bodies.ts';

/**
 * Wallet → gateway notifications (QR orders paid). They are hints, never trusted as such: the
 * signature is checked with the merchant's wallet credentials, and then the resolver confirms the
 * outcome with a wallet query before anything changes. Forgeries are refused and change nothing.
 */
export const walletNotifyRoutes =
  (services: Services): FastifyPluginAsync =>
  async (app) => {
    // The signature covers the exact text, so keep bodies as strings (form or XML).
    readBodiesAsText(app);

    app.post<{ Params: { wallet: string } }>('/wallet-notify/:wallet', { schema: { hide: true } }, async (request, reply) => {
      const { wallet } = request.params;
      if (!isWallet(wallet)) return reply.status(404).send('unknown wallet');
      const connector = services.connectors[wallet];
      const answer = (accepted: boolean) => {
        const { contentType, body } = connector.notificationAnswer(accepted);
        return reply.status(accepted ? 200 : 400).header('content-type', contentType).send(body);
      };
      const notification = connector.readNotification(typeof request.body === 'string' ? request.body : '');
      if (!notification) return answer(false);
      const payment = await services.store.getPayment(notification.outTradeNo);
      if (!payment || payment.wallet !== wallet) return answer(false);
      const credentials = await services.walletAccounts.credentials(payment.merchant_id, wallet);
      if (!notification.verify(credentials)) {
        request.log.warn({ payment: payment.id, wallet }, 'refused a wallet notification with a bad signature');
        return answer(false);
      }
      if (payment.status === 'processing') {
        await services.store.rescheduleTask('payment', payment.id, new Date(), { keepLease: true });
        services.store.changes.emit('task-due');
      }
      return answer(true);
    });
  };
