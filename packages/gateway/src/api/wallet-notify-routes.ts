import type { FastifyPluginAsync } from 'fastify';
import { isWallet } from '@counterpay/core';
import type { WalletNotificationService } from '../wallets/wallet-notification-service.ts';
import { readBodiesAsText } from '../dialects/shared/raw-bodies.ts';

/** `/wallet-notify/:wallet`: the wallets' notifications, read as text (the signature covers the exact text). */
export const walletNotifyRoutes =
  (walletNotifications: WalletNotificationService): FastifyPluginAsync =>
  async (app) => {
    readBodiesAsText(app);
    app.post<{ Params: { wallet: string } }>('/wallet-notify/:wallet', { schema: { hide: true } }, async (request, reply) => {
      const { wallet } = request.params;
      if (!isWallet(wallet)) return reply.status(404).send('unknown wallet');
      const receipt = await walletNotifications.receive(wallet, typeof request.body === 'string' ? request.body : '');
      if (receipt.refusal === 'bad signature') request.log.warn({ payment: receipt.paymentId, wallet }, 'refused a wallet notification with a bad signature');
      return reply.status(receipt.accepted ? 200 : 400).header('content-type', receipt.answer.contentType).send(receipt.answer.body);
    });
  };
