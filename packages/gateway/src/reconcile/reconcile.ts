import type { Kysely } from 'kysely';
import type { SecretBox, WalletCredentials } from '@counterpay/core';
import type { Database } from '@counterpay/db';

/** The wallet's own record of what it charged and refunded (the simulator's GET /admin/ledger). */
export interface WalletLedger {
  charges: Array<{ wallet: string; merchant: string; outTradeNo: string; amount: number; currency: string; status: string }>;
  refunds: Array<{ wallet: string; merchant: string; outTradeNo: string; outRefundNo: string; amount: number; currency: string }>;
}

export type MismatchKind =
  | 'charged_not_succeeded'
  | 'succeeded_not_charged'
  | 'amount_differs'
  | 'unknown_charge'
  | 'refund_not_at_wallet'
  | 'refund_not_recorded'
  | 'refund_amount_differs'
  | 'still_processing';

export interface Mismatch {
  kind: MismatchKind;
  id: string;
  detail: string;
}

export interface ReconciliationReport {
  payments: number;
  refunds: number;
  charges: number;
  walletRefunds: number;
  mismatches: Mismatch[];
}

/**
 * Compares the gateway's payments and refunds with a wallet ledger. Only ledger entries of the
 * gateway's own wallet accounts are considered; `still_processing` lists payments not yet settled.
 */
export async function reconcile(db: Kysely<Database>, box: SecretBox, ledger: WalletLedger): Promise<ReconciliationReport> {
  const accounts = await db.selectFrom('wallet_accounts').select('credentials_ciphertext').execute();
  const ours = new Set(
    accounts.map((a) => {
      const c = JSON.parse(box.open(a.credentials_ciphertext)) as WalletCredentials;
      return c.wallet === 'alipay' ? c.appId : c.mchId;
    }),
  );
  const charges = ledger.charges.filter((c) => ours.has(c.merchant));
  const walletRefunds = ledger.refunds.filter((r) => ours.has(r.merchant));
  const payments = await db.selectFrom('payments').select(['id', 'status', 'amount', 'currency', 'amount_refunded']).execute();
  const refunds = await db.selectFrom('refunds').select(['id', 'payment_id', 'status', 'amount']).execute();

  const mismatches: Mismatch[] = [];
  const chargeByTrade = new Map(charges.map((c) => [c.outTradeNo, c]));
  const paymentIds = new Set(payments.map((p) => p.id));
  for (const payment of payments) {
    const charge = chargeByTrade.get(payment.id);
    const paid = charge?.status === 'paid';
    if (payment.status === 'succeeded' && !paid) {
      mismatches.push({ kind: 'succeeded_not_charged', id: payment.id, detail: `wallet status ${charge?.status ?? 'none'}` });
    } else if (payment.status !== 'succeeded' && paid) {
      mismatches.push({ kind: payment.status === 'processing' ? 'still_processing' : 'charged_not_succeeded', id: payment.id, detail: `gateway status ${payment.status}` });
    } else if (payment.status === 'processing') {
      mismatches.push({ kind: 'still_processing', id: payment.id, detail: `wallet status ${charge?.status ?? 'none'}` });
    }
    if (paid && payment.status === 'succeeded' && (charge.amount !== payment.amount || charge.currency !== payment.currency)) {
      mismatches.push({ kind: 'amount_differs', id: payment.id, detail: `gateway ${payment.amount} ${payment.currency}, wallet ${charge.amount} ${charge.currency}` });
    }
  }
  for (const charge of charges) {
    if (charge.status === 'paid' && !paymentIds.has(charge.outTradeNo)) {
      mismatches.push({ kind: 'unknown_charge', id: charge.outTradeNo, detail: `${charge.amount} ${charge.currency} at ${charge.wallet}` });
    }
  }

  const walletRefundById = new Map(walletRefunds.map((r) => [r.outRefundNo, r]));
  const refundIds = new Set(refunds.map((r) => r.id));
  for (const refund of refunds) {
    const atWallet = walletRefundById.get(refund.id);
    if (refund.status === 'succeeded' && !atWallet) mismatches.push({ kind: 'refund_not_at_wallet', id: refund.id, detail: `${refund.amount}` });
    if (refund.status !== 'succeeded' && atWallet && refund.status !== 'processing') {
      mismatches.push({ kind: 'refund_not_recorded', id: refund.id, detail: `gateway status ${refund.status}` });
    }
    if (atWallet && refund.status === 'succeeded' && atWallet.amount !== refund.amount) {
      mismatches.push({ kind: 'refund_amount_differs', id: refund.id, detail: `gateway ${refund.amount}, wallet ${atWallet.amount}` });
    }
  }
  for (const walletRefund of walletRefunds) {
    if (!refundIds.has(walletRefund.outRefundNo)) mismatches.push({ kind: 'refund_not_recorded', id: walletRefund.outRefundNo, detail: `unknown to the gateway` });
  }
  return { payments: payments.length, refunds: refunds.length, charges: charges.length, walletRefunds: walletRefunds.length, mismatches };
}

export async function fetchSimulatorLedger(simUrl: string): Promise<WalletLedger> {
  const response = await fetch(`${simUrl}/admin/ledger`, { signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`the simulator's ledger answered HTTP ${response.status}`);
  return (await response.json()) as WalletLedger;
}
