import { type PaymentStatus, type RefundStatus, SecretBox, isProcessing } from '@counterpay/core';
import type { DatabaseHandle } from '@counterpay/db';
import { createRepositories } from '../repositories/repositories.ts';
import { WalletAccounts } from '../wallets/wallet-accounts.ts';

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
  /** QR payments still open for the buyer (the code has not expired): not a difference. */
  open: string[];
  mismatches: Mismatch[];
}

/**
 * Compares the gateway's payments and refunds with a wallet ledger. Only ledger entries of the
 * gateway's own wallet accounts are considered; `still_processing` lists payments not yet settled.
 */
export async function reconcile(database: DatabaseHandle, masterKey: string, ledger: WalletLedger): Promise<ReconciliationReport> {
  const box = new SecretBox(masterKey);
  const repos = createRepositories(database, box, 'reconcile');
  const ours = await new WalletAccounts(repos.walletAccounts, box, '').allIdentities();
  const payments = await repos.payments.listAll();
  const refunds = await repos.refunds.listAll();
  return compareWithLedger(payments, refunds, ours, ledger);
}

/** Paid at the gateway: the status whose money the wallet must show as charged. */
const PAID: Record<PaymentStatus, boolean> = { processing: false, succeeded: true, failed: false, closed: false };
const REFUNDED: Record<RefundStatus, boolean> = { processing: false, succeeded: true, failed: false };

/** The comparison itself, over records already read. */
export function compareWithLedger(
  payments: ReadonlyArray<{ id: string; status: PaymentStatus; flow: 'barcode' | 'qr'; amount: number; currency: string }>,
  refunds: ReadonlyArray<{ id: string; status: RefundStatus; amount: number }>,
  ours: ReadonlySet<string>,
  ledger: WalletLedger,
): ReconciliationReport {
  const charges = ledger.charges.filter((c) => ours.has(c.merchant));
  const walletRefunds = ledger.refunds.filter((r) => ours.has(r.merchant));

  const mismatches: Mismatch[] = [];
  const open: string[] = [];
  const chargeByTrade = new Map(charges.map((c) => [c.outTradeNo, c]));
  const paymentIds = new Set(payments.map((p) => p.id));
  const givenBack = new Map<string, number>();
  for (const r of walletRefunds) givenBack.set(r.outTradeNo, (givenBack.get(r.outTradeNo) ?? 0) + r.amount);
  for (const payment of payments) {
    const charge = chargeByTrade.get(payment.id);
    const paid = charge?.status === 'paid';
    // A late success refunded in full (the payment stays closed or failed): the buyer has the money back.
    const lateAndRefunded = paid && !isProcessing(payment.status) && givenBack.get(payment.id) === charge.amount;
    if (lateAndRefunded) continue;
    if (PAID[payment.status] && !paid) {
      mismatches.push({ kind: 'succeeded_not_charged', id: payment.id, detail: `wallet status ${charge?.status ?? 'none'}` });
    } else if (!PAID[payment.status] && paid) {
      mismatches.push({ kind: isProcessing(payment.status) ? 'still_processing' : 'charged_not_succeeded', id: payment.id, detail: `gateway status ${payment.status}` });
    } else if (isProcessing(payment.status) && payment.flow === 'qr') {
      open.push(payment.id);
    } else if (isProcessing(payment.status)) {
      mismatches.push({ kind: 'still_processing', id: payment.id, detail: `wallet status ${charge?.status ?? 'none'}` });
    }
    if (paid && PAID[payment.status] && (charge.amount !== payment.amount || charge.currency !== payment.currency)) {
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
    if (REFUNDED[refund.status] && !atWallet) mismatches.push({ kind: 'refund_not_at_wallet', id: refund.id, detail: `${refund.amount}` });
    if (!REFUNDED[refund.status] && atWallet && !isProcessing(refund.status)) {
      mismatches.push({ kind: 'refund_not_recorded', id: refund.id, detail: `gateway status ${refund.status}` });
    }
    if (atWallet && REFUNDED[refund.status] && atWallet.amount !== refund.amount) {
      mismatches.push({ kind: 'refund_amount_differs', id: refund.id, detail: `gateway ${refund.amount}, wallet ${atWallet.amount}` });
    }
  }
  for (const walletRefund of walletRefunds) {
    if (!refundIds.has(walletRefund.outRefundNo)) mismatches.push({ kind: 'refund_not_recorded', id: walletRefund.outRefundNo, detail: `unknown to the gateway` });
  }
  return { payments: payments.length, refunds: refunds.length, charges: charges.length, walletRefunds: walletRefunds.length, open, mismatches };
}

export async function fetchSimulatorLedger(simUrl: string): Promise<WalletLedger> {
  const response = await fetch(`${simUrl}/admin/ledger`, { signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`the simulator's ledger answered HTTP ${response.status}`);
  return (await response.json()) as WalletLedger;
}
