import type { SimContext } from '../sim-context.ts';
import type { RefundRecord, Trade, WalletName } from '../wallet-book.ts';
import { feeFor, refundFeeFor } from './fees.ts';

/**
 * What a wallet's daily statement lists, from the simulator's ledger: every payment completed and every
 * refund made on one China Standard Time calendar day (UTC+8, by completion time), with the wallet's
 * fee. A paid trade reversed by a cancel is refunded in full: its refund line has no merchant refund
 * number (none was sent), as a reversal at the wallets has none.
 */
export interface StatementEntry {
  kind: 'payment' | 'refund';
  trade: Trade;
  /** Refund lines made by a refund request; absent for a reversal. */
  refund?: RefundRecord;
  /** What was charged or given back, minor units of the trade's currency, positive. */
  amount: number;
  /** The wallet's fee: positive on a payment, the returned share (negative) on a refund. */
  fee: number;
  at: number;
}

const CST_OFFSET_MS = 8 * 3600 * 1000;

/** `YYYY-MM-DD` of an instant in China time. */
export function chinaDay(ms: number): string {
  return new Date(ms + CST_OFFSET_MS).toISOString().slice(0, 10);
}

/** A real calendar date `YYYY-MM-DD` (no 2024-02-30), else null. */
export function validDay(text: string): string | null {
  if (!/^\d{4}-\d\d-\d\d$/.test(text)) return null;
  const time = Date.parse(`${text}T00:00:00Z`);
  return Number.isFinite(time) && new Date(time).toISOString().slice(0, 10) === text ? text : null;
}

/** Whose statement: one merchant (or sub-merchant), or a partner with all its sub-merchants. */
export interface StatementScope {
  wallet: WalletName;
  merchant: string;
  /** A partner's statement also lists the trades of its sub-merchants (`partner` = this merchant). */
  includeSubMerchants: boolean;
}

export function statementEntries(sim: SimContext, scope: StatementScope, day: string): StatementEntry[] {
  const rate = sim.feeRates[scope.wallet];
  const inScope = (t: { wallet: WalletName; merchant: string; partner?: string }) =>
    t.wallet === scope.wallet && (t.merchant === scope.merchant || (scope.includeSubMerchants && t.partner === scope.merchant));
  const entries: StatementEntry[] = [];
  for (const trade of sim.store.trades.values()) {
    if (!inScope(trade) || trade.amount === 0) continue;
    sim.book.settle(trade);
    if (trade.paidAt === null || (trade.status !== 'paid' && trade.status !== 'reversed')) continue;
    const fee = feeFor(trade.amount, rate);
    if (chinaDay(trade.paidAt) === day) entries.push({ kind: 'payment', trade, amount: trade.amount, fee, at: trade.paidAt });
    let refunded = 0;
    for (const refund of sim.book.refundsOf(trade)) {
      const returned = refundFeeFor({ amount: trade.amount, fee }, refunded, refund.amount);
      refunded += refund.amount;
      if (chinaDay(refund.createdAt) === day) entries.push({ kind: 'refund', trade, refund, amount: refund.amount, fee: -returned, at: refund.createdAt });
    }
    if (trade.status === 'reversed' && trade.reversedAt !== undefined && trade.amount > refunded && chinaDay(trade.reversedAt) === day) {
      const returned = refundFeeFor({ amount: trade.amount, fee }, refunded, trade.amount - refunded);
      entries.push({ kind: 'refund', trade, amount: trade.amount - refunded, fee: -returned, at: trade.reversedAt });
    }
  }
  return entries.sort((a, b) => a.at - b.at || a.trade.tradeNo.localeCompare(b.trade.tradeNo));
}

/** The whole day is in the future (China time): no wallet answers for it. */
export function isFutureDay(day: string, now = Date.now()): boolean {
  return day > chinaDay(now);
}
