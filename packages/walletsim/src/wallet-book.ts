import { randomInt } from 'node:crypto';
import { toCnyFen } from './money.ts';
import type { SimStore } from './store.ts';

export type WalletName = 'alipay' | 'wechat';
export type TradeStatus = 'waiting' | 'paid' | 'failed' | 'closed' | 'reversed';
export type PayFailure = 'insufficient_balance' | 'code_expired' | 'code_invalid';

export interface Trade {
  wallet: WalletName;
  /** Whose trade it is: Alipay app id, WeChat mch_id, or a sub-merchant's sub_mch_id. */
  merchant: string;
  /** A sub-merchant's trade: the partner (service provider) mch_id that sent it. */
  partner?: string;
  outTradeNo: string;
  tradeNo: string;
  kind: 'barcode' | 'qr';
  amount: number;
  currency: string;
  subject: string;
  authCode: string | null;
  status: TradeStatus;
  /** Closed unpaid by a cancel / reverse (WeChat shows REVOKED), not by a close or expiry. */
  cancelled?: boolean;
  /** Test code 7: the buyer confirms only after the cancel was acknowledged (a late success). */
  paysAfterCancel?: boolean;
  /** Test code 7, once cancelled: when the late payment is recorded. */
  latePayAt?: number;
  /** Test code 8: what the merchant asked for; `amount` is what the wallet charged (one minor unit more). */
  askedAmount?: number;
  /** When a paid trade was reversed by a cancel (refunded in full): its statement's refund line. */
  reversedAt?: number;
  failure: PayFailure | null;
  /** When a waiting buyer confirms (test code 2, large amounts); null = waits until cancelled. */
  confirmAt: number | null;
  consumerId: string | null;
  refunded: number;
  createdAt: number;
  paidAt: number | null;
  expiresAt: number | null;
  notifyUrl: string | null;
  qrToken: string | null;
}

export interface RefundRecord {
  wallet: WalletName;
  merchant: string;
  partner?: string;
  outTradeNo: string;
  outRefundNo: string;
  refundId: string;
  amount: number;
  currency: string;
  createdAt: number;
}

export interface BookOptions {
  confirmDelayMs: number;
  /** Amounts above this (CNY fen equivalent) ask a real consumer for the password. */
  passwordAboveFen: number;
  /** Test code 7: how long after acknowledging the cancel the wallet records the payment anyway. */
  latePayDelayMs?: number;
  /** Told when a test code 7 trade is recorded paid (the simulator sends its notification). */
  onLatePaid?: (trade: Trade) => void;
}

const TEST_CODE = /^(28|13)0{15}([1-8])$/;

/** The behaviour a CONTRACT.md test code asks for (1–8), or null for a real consumer code. */
export function testCodeBehaviour(authCode: string): number | null {
  const match = TEST_CODE.exec(authCode);
  return match ? Number(match[2]) : null;
}

export type PayResult =
  | { kind: 'trade'; trade: Trade; holdAnswer: boolean }
  | { kind: 'inconsistent'; trade: Trade };

/**
 * The wallets' books: trades, refunds and consumer balances, shared by the Alipay and WeChat Pay
 * front ends (which differ only in wire format). Its ledger is the ground truth tests reconcile with.
 */
export class WalletBook {
  constructor(
    private readonly store: SimStore,
    private readonly options: BookOptions,
  ) {}

  find(wallet: WalletName, merchant: string, outTradeNo: string): Trade | undefined {
    const trade = this.store.trades.get(tradeKey(wallet, merchant, outTradeNo));
    if (trade) this.settle(trade);
    return trade;
  }

  /** A trade by the wallet's own number (Alipay trade_no, WeChat transaction_id). */
  findByTradeNo(wallet: WalletName, merchant: string, tradeNo: string): Trade | undefined {
    const trade = [...this.store.trades.values()].find((t) => t.wallet === wallet && t.merchant === merchant && t.tradeNo === tradeNo);
    return trade && this.find(wallet, merchant, trade.outTradeNo);
  }

  /** Barcode pay: idempotent by out_trade_no; the same order with other terms is inconsistent. */
  pay(input: { wallet: WalletName; merchant: string; partner?: string; outTradeNo: string; authCode: string; amount: number; currency: string; subject: string; notifyUrl?: string | null }): PayResult {
    const existing = this.find(input.wallet, input.merchant, input.outTradeNo);
    if (existing) {
      const same = existing.kind === 'barcode' && existing.authCode === input.authCode && (existing.askedAmount ?? existing.amount) === input.amount && existing.currency === input.currency;
      return same || existing.status === 'closed' ? { kind: 'trade', trade: existing, holdAnswer: false } : { kind: 'inconsistent', trade: existing };
    }
    const now = Date.now();
    const trade = this.newTrade({ ...input, kind: 'barcode', authCode: input.authCode, now });
    trade.notifyUrl = input.notifyUrl ?? null;
    const behaviour = testCodeBehaviour(input.authCode);
    let holdAnswer = false;
    switch (behaviour) {
      case 1:
        this.markPaid(trade, now);
        break;
      case 2:
        trade.confirmAt = now + this.options.confirmDelayMs;
        break;
      case 3:
        this.fail(trade, 'insufficient_balance');
        break;
      case 4:
        this.fail(trade, 'code_expired');
        break;
      case 5:
        break; // waits for a password that never comes
      case 7:
        trade.paysAfterCancel = true;
        break; // waits, and pays just after the cancel (see cancel)
      case 6:
        this.markPaid(trade, now);
        holdAnswer = true;
        break;
      case 8:
        this.overcharge(trade, now);
        break;
      default:
        this.payWithConsumerCode(trade, now);
    }
    this.store.saveTrade(trade);
    return { kind: 'trade', trade, holdAnswer };
  }

  /** Test code 8, a wallet fault: paid at once, but the wallet charges one minor unit more than asked. */
  private overcharge(trade: Trade, now: number): void {
    trade.askedAmount = trade.amount;
    trade.amount += 1;
    this.markPaid(trade, now);
  }

  private payWithConsumerCode(trade: Trade, now: number): void {
    const code = this.store.codes.get(trade.authCode!);
    if (!code || code.wallet !== trade.wallet || code.usedAt !== null) return this.fail(trade, 'code_invalid');
    if (code.expiresAt < now) return this.fail(trade, 'code_expired');
    code.usedAt = now;
    this.store.saveCode(code);
    trade.consumerId = code.consumerId;
    if (!this.canAfford(trade)) return this.fail(trade, 'insufficient_balance');
    if (toCnyFen(trade.amount, trade.currency) > this.options.passwordAboveFen) {
      trade.confirmAt = now + this.options.confirmDelayMs;
      return;
    }
    this.markPaid(trade, now);
  }

  /** QR order (Alipay precreate / WeChat NATIVE): waits for a consumer to scan and pay it. */
  createQrOrder(input: { wallet: WalletName; merchant: string; partner?: string; outTradeNo: string; amount: number; currency: string; subject: string; expiresAt: number | null; notifyUrl: string | null }): PayResult {
    const existing = this.find(input.wallet, input.merchant, input.outTradeNo);
    if (existing) {
      const same = existing.kind === 'qr' && existing.amount === input.amount && existing.currency === input.currency;
      return same ? { kind: 'trade', trade: existing, holdAnswer: false } : { kind: 'inconsistent', trade: existing };
    }
    const trade = this.newTrade({ ...input, kind: 'qr', authCode: null, now: Date.now() });
    trade.expiresAt = input.expiresAt;
    trade.notifyUrl = input.notifyUrl;
    trade.qrToken = `${trade.wallet === 'alipay' ? 'a' : 'w'}${Date.now().toString(36)}${randomInt(1e9).toString(36)}`;
    this.store.saveTrade(trade);
    return { kind: 'trade', trade, holdAnswer: false };
  }

  findByQrToken(token: string): Trade | undefined {
    const trade = [...this.store.trades.values()].find((t) => t.qrToken === token);
    if (trade) this.settle(trade);
    return trade;
  }

  /** A consumer pays a QR order in the app (after the password). */
  payQrOrder(trade: Trade, consumerId: string): 'paid' | 'insufficient_balance' | 'not_payable' {
    this.settle(trade);
    if (trade.status !== 'waiting' || (trade.expiresAt !== null && trade.expiresAt < Date.now())) return 'not_payable';
    trade.consumerId = consumerId;
    if (!this.canAfford(trade)) return 'insufficient_balance';
    this.markPaid(trade, Date.now());
    this.store.saveTrade(trade);
    return 'paid';
  }

  /**
   * Cancel / reverse (barcode): an unpaid order is closed, a paid one is refunded in full, as the
   * real wallets do; an order we never saw is recorded closed so a late pay cannot charge it.
   */
  cancel(wallet: WalletName, merchant: string, outTradeNo: string): { action: 'close' | 'refund' } {
    const trade = this.find(wallet, merchant, outTradeNo);
    if (!trade) {
      const tombstone = this.newTrade({ wallet, merchant, outTradeNo, amount: 0, currency: 'CNY', subject: '', kind: 'barcode', authCode: null, now: Date.now() });
      tombstone.status = 'closed';
      this.store.saveTrade(tombstone);
      return { action: 'close' };
    }
    if (trade.status === 'paid' || trade.status === 'reversed') {
      if (trade.status === 'paid') this.reverse(trade);
      return { action: 'refund' };
    }
    if (trade.status === 'waiting') {
      trade.status = 'closed';
      trade.cancelled = true;
      trade.confirmAt = null;
      if (trade.paysAfterCancel) this.scheduleLatePay(trade);
      this.store.saveTrade(trade);
    }
    return { action: 'close' };
  }

  /** Close an unpaid order (QR); a paid one cannot be closed. */
  close(trade: Trade): 'closed' | 'paid' {
    if (trade.status === 'paid' || trade.status === 'reversed') return 'paid';
    if (trade.status === 'waiting') {
      trade.status = 'closed';
      trade.confirmAt = null;
      this.store.saveTrade(trade);
    }
    return 'closed';
  }

  refund(trade: Trade, outRefundNo: string, amount: number): { kind: 'ok'; refund: RefundRecord } | { kind: 'not_paid' } | { kind: 'exceeds' } | { kind: 'inconsistent' } {
    const existing = this.store.refunds.get(refundKey(trade, outRefundNo));
    if (existing) return existing.amount === amount ? { kind: 'ok', refund: existing } : { kind: 'inconsistent' };
    if (trade.status !== 'paid') return { kind: 'not_paid' };
    if (amount <= 0 || trade.refunded + amount > trade.amount) return { kind: 'exceeds' };
    const refund: RefundRecord = {
      wallet: trade.wallet,
      merchant: trade.merchant,
      ...(trade.partner ? { partner: trade.partner } : {}),
      outTradeNo: trade.outTradeNo,
      outRefundNo,
      refundId: `5${Date.now()}${randomInt(1e6).toString().padStart(6, '0')}`,
      amount,
      currency: trade.currency,
      createdAt: Date.now(),
    };
    trade.refunded += amount;
    this.credit(trade, amount);
    this.store.saveRefund(refund);
    this.store.saveTrade(trade);
    return { kind: 'ok', refund };
  }

  findRefund(trade: Trade, outRefundNo: string): RefundRecord | undefined {
    return this.store.refunds.get(refundKey(trade, outRefundNo));
  }

  /** Every refund of a trade, oldest first. */
  refundsOf(trade: Trade): RefundRecord[] {
    return [...this.store.refunds.values()]
      .filter((r) => r.wallet === trade.wallet && r.merchant === trade.merchant && r.outTradeNo === trade.outTradeNo)
      .sort((a, b) => a.createdAt - b.createdAt);
  }

  /**
   * Everything charged and refunded, as the wallets' books say (GET /admin/ledger). A sub-merchant's
   * entries name it as `merchant` and its service provider as `partner`; asking for a partner also
   * shows its sub-merchants' entries, as a service provider's bill does.
   */
  ledger(merchant?: string) {
    const mine = (entry: { merchant: string; partner?: string }) => !merchant || entry.merchant === merchant || entry.partner === merchant;
    const trades = [...this.store.trades.values()].filter((t) => mine(t) && t.amount > 0);
    trades.forEach((t) => this.settle(t));
    return {
      charges: trades.map((t) => ({
        wallet: t.wallet,
        merchant: t.merchant,
        partner: t.partner ?? null,
        outTradeNo: t.outTradeNo,
        tradeNo: t.tradeNo,
        amount: t.amount,
        currency: t.currency,
        status: t.status,
        paidAt: t.paidAt ? new Date(t.paidAt).toISOString() : null,
      })),
      refunds: [...this.store.refunds.values()]
        .filter(mine)
        .map((r) => ({ ...r, partner: r.partner ?? null, createdAt: new Date(r.createdAt).toISOString() })),
    };
  }

  /**
   * Test code 7: the cancel is acknowledged as closed, and a moment later the wallet records the
   * payment anyway (the buyer's confirmation crossed the cancel). Recorded lazily on access, and by a
   * timer so the notification goes out without anyone asking.
   */
  private scheduleLatePay(trade: Trade): void {
    const delay = this.options.latePayDelayMs ?? 1000;
    trade.latePayAt = Date.now() + delay;
    const timer = setTimeout(() => this.find(trade.wallet, trade.merchant, trade.outTradeNo), delay + 5);
    timer.unref();
  }

  /** A waiting buyer whose confirmation time has come pays now (lazily, on every access). */
  settle(trade: Trade): void {
    if (trade.status === 'closed' && trade.latePayAt !== undefined && trade.latePayAt <= Date.now()) {
      const at = trade.latePayAt;
      delete trade.latePayAt;
      trade.cancelled = false;
      this.markPaid(trade, at);
      this.store.saveTrade(trade);
      this.options.onLatePaid?.(trade);
      return;
    }
    if (trade.status === 'waiting' && trade.confirmAt !== null && trade.confirmAt <= Date.now()) {
      if (trade.consumerId && !this.canAfford(trade)) this.fail(trade, 'insufficient_balance');
      else this.markPaid(trade, trade.confirmAt);
      this.store.saveTrade(trade);
    }
  }

  private newTrade(input: { wallet: WalletName; merchant: string; partner?: string; outTradeNo: string; amount: number; currency: string; subject: string; kind: 'barcode' | 'qr'; authCode: string | null; now: number }): Trade {
    const trade: Trade = {
      wallet: input.wallet,
      merchant: input.merchant,
      ...(input.partner ? { partner: input.partner } : {}),
      outTradeNo: input.outTradeNo,
      tradeNo: `${input.wallet === 'alipay' ? '2026' : '4200'}${input.now}${randomInt(1e6).toString().padStart(6, '0')}`,
      kind: input.kind,
      amount: input.amount,
      currency: input.currency,
      subject: input.subject,
      authCode: input.authCode,
      status: 'waiting',
      failure: null,
      confirmAt: null,
      consumerId: null,
      refunded: 0,
      createdAt: input.now,
      paidAt: null,
      expiresAt: null,
      notifyUrl: null,
      qrToken: null,
    };
    this.store.trades.set(tradeKey(trade.wallet, trade.merchant, trade.outTradeNo), trade);
    return trade;
  }

  private fail(trade: Trade, failure: PayFailure): void {
    trade.status = 'failed';
    trade.failure = failure;
  }

  private canAfford(trade: Trade): boolean {
    if (!trade.consumerId) return true;
    const consumer = this.store.consumers.get(trade.consumerId);
    if (!consumer) return false;
    const [currency, cost] = this.costFor(trade, consumer.balances);
    return (consumer.balances[currency] ?? 0) >= cost;
  }

  /** Which balance pays and how much: the trade's currency if held, else CNY at the fixed rate. */
  private costFor(trade: Trade, balances: Record<string, number>): [string, number] {
    if (balances[trade.currency] !== undefined) return [trade.currency, trade.amount];
    return ['CNY', toCnyFen(trade.amount, trade.currency)];
  }

  private markPaid(trade: Trade, at: number): void {
    if (trade.consumerId) {
      const consumer = this.store.consumers.get(trade.consumerId)!;
      const [currency, cost] = this.costFor(trade, consumer.balances);
      consumer.balances[currency] = (consumer.balances[currency] ?? 0) - cost;
      consumer.history.unshift({ at: new Date(at).toISOString(), wallet: trade.wallet, description: trade.subject, amount: -trade.amount, currency: trade.currency });
      this.store.saveConsumer(consumer);
    }
    trade.status = 'paid';
    trade.paidAt = at;
    trade.confirmAt = null;
  }

  private reverse(trade: Trade): void {
    this.credit(trade, trade.amount - trade.refunded);
    trade.status = 'reversed';
    trade.reversedAt = Date.now();
    this.store.saveTrade(trade);
  }

  private credit(trade: Trade, amount: number): void {
    if (!trade.consumerId || amount <= 0) return;
    const consumer = this.store.consumers.get(trade.consumerId);
    if (!consumer) return;
    const [currency, cost] = this.costFor({ ...trade, amount }, consumer.balances);
    consumer.balances[currency] = (consumer.balances[currency] ?? 0) + cost;
    consumer.history.unshift({ at: new Date().toISOString(), wallet: trade.wallet, description: `Refund: ${trade.subject}`, amount, currency: trade.currency });
    this.store.saveConsumer(consumer);
  }
}

function tradeKey(wallet: WalletName, merchant: string, outTradeNo: string): string {
  return `${wallet}:${merchant}:${outTradeNo}`;
}

function refundKey(trade: Trade, outRefundNo: string): string {
  return `${trade.wallet}:${trade.merchant}:${trade.outTradeNo}:${outRefundNo}`;
}
