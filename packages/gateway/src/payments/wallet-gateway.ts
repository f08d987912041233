import type { Connector, Wallet, WalletCallRecord, WalletContext } from '@counterpay/core';
import type { WalletCallMetrics } from '../metrics.ts';
import type { WalletCallRepository } from '../repositories/wallet-call-repository.ts';
import type { WalletAccounts } from '../wallets/wallet-accounts.ts';

/** Which merchant, in which mode, a wallet call is for, and what it is about (for the call log). */
export interface WalletCallTarget {
  merchantId: string;
  livemode: boolean;
  wallet: Wallet;
  paymentId?: string;
  refundId?: string;
}

/**
 * Calls a wallet for a merchant: finds the merchant's credentials for that mode, runs the connector
 * call, and logs every HTTP request the connector made in the wallet-call log (and in the latency metrics).
 */
export class WalletGateway {
  constructor(
    private readonly connectors: Record<Wallet, Connector>,
    private readonly accounts: WalletAccounts,
    private readonly calls: WalletCallRepository,
    private readonly metrics?: WalletCallMetrics,
  ) {}

  /** Loads (or, in test mode, registers) the credentials ahead of a call, outside any lease. */
  async prepare(merchantId: string, wallet: Wallet, livemode: boolean): Promise<void> {
    await this.accounts.credentials(merchantId, wallet, livemode);
  }

  /** Refuses, before anything is written or sent, a flow the account cannot make (a missing client certificate). */
  assertCanCall(merchantId: string, wallet: Wallet, livemode: boolean, flow: 'refund' | 'cancel'): Promise<void> {
    return this.accounts.assertCanCall({ merchantId, livemode }, wallet, flow);
  }

  /** The connector of a wallet, for reading its notifications. */
  connector(wallet: Wallet): Connector {
    return this.connectors[wallet];
  }

  async call<T>(target: WalletCallTarget, run: (connector: Connector, ctx: WalletContext) => Promise<T>): Promise<T> {
    const records: WalletCallRecord[] = [];
    const credentials = await this.accounts.credentials(target.merchantId, target.wallet, target.livemode);
    const ctx: WalletContext = {
      credentials,
      onCall: (call) => {
        records.push(call);
        this.metrics?.walletCall(call);
      },
    };
    const started = performance.now();
    try {
      return await run(this.connectors[target.wallet], ctx);
    } catch (error) {
      if (records.length === 0) this.metrics?.walletCallFailed(target.wallet, (performance.now() - started) / 1000);
      throw error;
    } finally {
      await this.calls.record(target.merchantId, { paymentId: target.paymentId, refundId: target.refundId }, records);
    }
  }
}
