import { type PaymentStatus, type RefundStatus, type StatementLine, type Wallet, isProcessing } from '@counterpay/core';
import { inChinaDay } from './china-day.ts';

export const DIFFERENCE_KINDS = ['paid_at_wallet_only', 'missing_at_wallet', 'amount_mismatch', 'status_mismatch', 'refund_mismatch', 'late_success'] as const;
export type DifferenceKind = (typeof DIFFERENCE_KINDS)[number];
export type Repair = 'refunded' | 'settled' | 'none';

/** Our payment as matching needs it. */
export interface OurPayment {
  id: string;
  status: PaymentStatus;
  amount: number;
  currency: string;
  store_id: string | null;
  paid_at: string | null;
}

export interface OurRefund {
  id: string;
  payment_id: string;
  status: RefundStatus;
  amount: number;
  currency: string;
  succeeded_at: string | null;
}

/** What a difference asks of the repairer: nothing, the resolver (a processing payment), or the late-success guard. */
export type RepairWanted = 'none' | 'settle' | 'late_success';

export interface FoundDifference {
  kind: DifferenceKind;
  payment: string | null;
  refund: string | null;
  wallet: Wallet;
  wallet_trade_no: string | null;
  /** The wallet's amount when the statement has the line, else ours (minor units of `currency`). */
  amount: number;
  currency: string;
  /** Plain words for a person. */
  detail: string;
  wants: RepairWanted;
  /** The statement line it comes from (index into the lines), or none: one of our records the wallet lacks. */
  line: number | null;
}

export interface Totals {
  currency: string;
  /** Payment lines. */
  count: number;
  gross: number;
  refunds: number;
  fees: number;
  net: number;
}

export interface StoreTotals extends Totals {
  store: string | null;
}

export interface MatchResult {
  /** Statement lines that agree with our records. */
  matched: number;
  differences: FoundDifference[];
  /** The wallet's fee of each payment on the statement (to book). */
  fees: Array<{ paymentId: string; fee: number }>;
  /** Per currency, over the statement's lines (the wallet's money): net = gross − refunds − fees. */
  totals: Totals[];
  by_store: StoreTotals[];
}

/** What each status means for a statement (the state machine's statuses, read through tables, not compared). */
const PAID: Record<PaymentStatus, boolean> = { processing: false, succeeded: true, failed: false, closed: false };
const ENDED_UNPAID: Record<PaymentStatus, boolean> = { processing: false, succeeded: false, failed: true, closed: true };
const REFUNDED: Record<RefundStatus, boolean> = { processing: false, succeeded: true, failed: false };

const PAID_AT_WALLET_ONLY = 'The wallet took this payment, but counterpay has no such payment for this merchant and wallet.';

/**
 * Matches one day's statement of one merchant's wallet with our payments and refunds, line by line.
 * `payments` and `refunds` are ours of that merchant, mode and wallet: those of the China day (paid or
 * refunded that day) and any other the lines name. Every line ends matched or a difference, and so does
 * every payment paid and every refund made that day. Pure: the caller repairs and stores.
 */
export function matchStatement(input: { date: string; wallet: Wallet; lines: readonly StatementLine[]; payments: readonly OurPayment[]; refunds: readonly OurRefund[] }): MatchResult {
  const { date, wallet, lines } = input;
  const payments = new Map(input.payments.map((p) => [p.id, p]));
  const refunds = new Map(input.refunds.map((r) => [r.id, r]));
  const reversed = new Set(lines.filter((l) => l.kind === 'refund' && !l.outRefundNo).map((l) => l.outTradeNo));
  const paidOnStatement = new Set(lines.filter((l) => l.kind === 'payment').map((l) => l.outTradeNo));
  const seenPayments = new Set<string>();
  const seenRefunds = new Set<string>();
  const differences: FoundDifference[] = [];
  const fees: MatchResult['fees'] = [];
  let matched = 0;

  const differ = (index: number | null, kind: DifferenceKind, detail: string, f: { payment?: string | null; refund?: string | null; tradeNo?: string | null; amount: number; currency: string; wants?: RepairWanted }) =>
    differences.push({ kind, payment: f.payment ?? null, refund: f.refund ?? null, wallet, wallet_trade_no: f.tradeNo ?? null, amount: f.amount, currency: f.currency, detail, wants: f.wants ?? 'none', line: index });

  lines.forEach((line, index) => {
    const payment = payments.get(line.outTradeNo);
    const at = { payment: payment ? payment.id : null, tradeNo: line.walletTradeNo, amount: line.amount, currency: line.currency };
    if (line.kind === 'payment') {
      if (!payment) return differ(index, 'paid_at_wallet_only', PAID_AT_WALLET_ONLY, at);
      seenPayments.add(payment.id);
      fees.push({ paymentId: payment.id, fee: line.fee });
      if (payment.amount !== line.amount || payment.currency !== line.currency) {
        return differ(index, 'amount_mismatch', `The wallet took ${line.amount} ${line.currency}; the payment is for ${payment.amount} ${payment.currency}.`, at);
      }
      switch (payment.status) {
        case 'succeeded':
          matched++;
          return;
        case 'processing':
          return differ(index, 'status_mismatch', 'The wallet shows this payment paid; counterpay still had it processing.', { ...at, wants: 'settle' });
        case 'closed':
        case 'failed':
          // Paid and then reversed (a cancel after payment): both lines agree with a closed payment.
          if (reversed.has(line.outTradeNo)) {
            matched++;
            return;
          }
          return differ(index, 'late_success', `The wallet took this payment after counterpay recorded it ${payment.status}.`, { ...at, wants: 'late_success' });
      }
    }
    if (!line.outRefundNo) {
      // A reversal: the whole payment given back, with no refund of ours behind it.
      if (!payment) return differ(index, 'paid_at_wallet_only', `${PAID_AT_WALLET_ONLY} (reversed at the wallet)`, at);
      if (ENDED_UNPAID[payment.status]) {
        matched++;
        return;
      }
      return differ(index, 'status_mismatch', `The wallet reversed this payment; counterpay has it ${payment.status}.`, { ...at, wants: isProcessing(payment.status) && !paidOnStatement.has(payment.id) ? 'settle' : 'none' });
    }
    const refund = refunds.get(line.outRefundNo);
    const about = { ...at, refund: line.outRefundNo };
    if (!refund || refund.payment_id !== line.outTradeNo) return differ(index, 'refund_mismatch', 'The wallet gave money back with a refund counterpay does not have for this payment.', about);
    seenRefunds.add(refund.id);
    if (refund.amount !== line.amount || refund.currency !== line.currency) {
      return differ(index, 'refund_mismatch', `The wallet refunded ${line.amount} ${line.currency}; the refund is for ${refund.amount} ${refund.currency}.`, about);
    }
    if (!REFUNDED[refund.status]) return differ(index, 'refund_mismatch', `The wallet refunded this; counterpay has the refund ${refund.status}.`, about);
    matched++;
  });

  for (const payment of input.payments) {
    if (PAID[payment.status] && inChinaDay(payment.paid_at, date) && !seenPayments.has(payment.id)) {
      differ(null, 'missing_at_wallet', 'counterpay recorded this payment as paid; the wallet\'s statement does not have it.', { payment: payment.id, amount: payment.amount, currency: payment.currency });
    }
  }
  for (const refund of input.refunds) {
    if (REFUNDED[refund.status] && inChinaDay(refund.succeeded_at, date) && !seenRefunds.has(refund.id)) {
      differ(null, 'refund_mismatch', 'counterpay recorded this refund as made; the wallet\'s statement does not have it.', { payment: refund.payment_id, refund: refund.id, amount: refund.amount, currency: refund.currency });
    }
  }

  const { totals, byStore } = sumLines(lines, payments);
  return { matched, differences, fees, totals, by_store: byStore };
}

/** Exact sums of the statement's money, per currency and per store and currency. */
function sumLines(lines: readonly StatementLine[], payments: ReadonlyMap<string, OurPayment>): { totals: Totals[]; byStore: StoreTotals[] } {
  const totals = new Map<string, Totals>();
  const byStore = new Map<string, StoreTotals>();
  const empty = (currency: string): Totals => ({ currency, count: 0, gross: 0, refunds: 0, fees: 0, net: 0 });
  for (const line of lines) {
    const store = payments.get(line.outTradeNo)?.store_id ?? line.storeId ?? null;
    const key = `${store ?? ''}\u0000${line.currency}`;
    const day = totals.get(line.currency) ?? empty(line.currency);
    const shop = byStore.get(key) ?? { store, ...empty(line.currency) };
    totals.set(line.currency, day);
    byStore.set(key, shop);
    for (const t of [day, shop]) {
      if (line.kind === 'payment') {
        t.count++;
        t.gross += line.amount;
      } else {
        t.refunds += line.amount;
      }
      t.fees += line.fee;
      t.net = t.gross - t.refunds - t.fees;
    }
  }
  const order = (a: Totals, b: Totals) => a.currency.localeCompare(b.currency);
  return { totals: [...totals.values()].sort(order), byStore: [...byStore.values()].sort((a, b) => (a.store ?? '').localeCompare(b.store ?? '') || order(a, b)) };
}
