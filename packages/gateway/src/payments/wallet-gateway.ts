import type { Connector, Wallet, WalletCallRecord, WalletContext } from '@counterpay/core';
import type { WalletAccounts } from '../wallets/wallet-accounts.ts';
import type { PaymentStore } from './payment-store.ts';

/**
 * Calls a wallet for a merchant: finds the merchant's credentials, runs the connector call, and logs
 * every HTTP request the connector made in `wallet_calls` (method, outcome, latency).
 */
export class WalletGateway {
  constructor(
    private readonly connectors: Record<Wallet, Connector>,
    private readonly accounts: WalletAccounts,
    private readonly store: PaymentStore,
  ) {}

  /** Loads (or registers) the merchant's wallet credentials ahead of a call, outside any lease. */
  async prepare(merchantId: string, wallet: Wallet): Promise<void> {
    await this.accounts.credentials(merchantId, wallet);
  }

  async call<T>(
    merchantId: string,
    wallet: Wallet,
    ref: { paymentId?: string; refundId?: string },
    run: (connector: Connector, ctx: WalletContext) => Promise<T>,
  ): Promise<T> {
    const calls: WalletCallRecord[] = [];
    const ctx: WalletContext = { credentials: await this.accounts.credentials(merchantId, wallet), onCall: (call) => calls.push(call) };
    try {
      return await run(this.connectors[wallet], ctx);
    } finally {
      await this.store.recordWalletCalls(merchantId, ref, calls);
    }
  }
}
