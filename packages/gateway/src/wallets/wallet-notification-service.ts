import { type Wallet, canHaveLateSuccess } from '@counterpay/core';
import type { LateSuccessGuard } from '../late-success/late-success-guard.ts';
import type { PaymentService } from '../payments/payment-service.ts';
import type { WalletGateway } from '../payments/wallet-gateway.ts';
import type { PaymentRepository } from '../repositories/payment-repository.ts';
import type { WalletAccounts } from './wallet-accounts.ts';

export interface NotificationReceipt {
  accepted: boolean;
  /** What the wallet expects back: Alipay `success`, WeChat Pay `<return_code>SUCCESS</return_code>`. */
  answer: { contentType: string; body: string };
  /** Why a notification was refused (for the log), never shown to the sender. */
  refusal?: string;
  paymentId?: string;
}

/**
 * Wallet → gateway notifications (QR orders paid). They are hints, never trusted as such: the
 * signature is checked with the merchant's wallet credentials, and then the resolver confirms the
 * outcome with a wallet query before anything changes. Forgeries are refused and change nothing.
 */
export class WalletNotificationService {
  constructor(
    private readonly wallets: WalletGateway,
    private readonly accounts: WalletAccounts,
    private readonly paymentRepository: PaymentRepository,
    private readonly payments: PaymentService,
    private readonly lateSuccess: LateSuccessGuard,
  ) {}

  async receive(wallet: Wallet, body: string): Promise<NotificationReceipt> {
    const connector = this.wallets.connector(wallet);
    const receipt = (accepted: boolean, extra: Partial<NotificationReceipt> = {}): NotificationReceipt => ({ accepted, answer: connector.notificationAnswer(accepted), ...extra });
    const notification = connector.readNotification(body);
    if (!notification) return receipt(false, { refusal: 'not a notification' });
    const payment = await this.paymentRepository.get(notification.outTradeNo);
    if (!payment || payment.wallet !== wallet) return receipt(false, { refusal: 'unknown payment' });
    const credentials = await this.accounts.credentials(payment.merchant_id, wallet, payment.livemode === 1);
    if (!notification.verify(credentials)) return receipt(false, { refusal: 'bad signature', paymentId: payment.id });
    if (canHaveLateSuccess(payment.status)) {
      // Paid after we closed or failed it (a late success)? A query confirms before the guard acts; if the
      // wallet cannot be asked now, the notification is refused so the wallet sends it again.
      try {
        await this.lateSuccess.check(payment, 'notification');
      } catch {
        return receipt(false, { refusal: 'late success not confirmed yet', paymentId: payment.id });
      }
      return receipt(true, { paymentId: payment.id });
    }
    await this.payments.checkNow(payment);
    return receipt(true, { paymentId: payment.id });
  }
}
