import { randomBytes } from 'node:crypto';
import { rsa2Sign, signingString } from './alipay/alipay-crypto.ts';
import { alipayBuyer, wechatOpenid } from './buyers.ts';
import { alipayTime, wechatTime } from './clock.ts';
import { minorToDecimal } from './money.ts';
import type { Faults } from './faults.ts';
import type { SimStore } from './store.ts';
import type { Trade } from './wallet-book.ts';
import { buildXml, wechatSign } from './wechat/wechat-crypto.ts';

/** Retry delays after a notification is not acknowledged (bounded: then the merchant must query). */
export const DEFAULT_NOTIFY_RETRY_MS = [2_000, 10_000, 30_000, 60_000, 300_000];

/**
 * Tells the merchant a QR order was paid, as each wallet does: Alipay a form POST RSA2-signed over
 * every parameter except `sign`/`sign_type`, acknowledged by `success`; WeChat Pay signed XML,
 * acknowledged by `<return_code>SUCCESS</return_code>`. Unacknowledged notifications are retried.
 */
export class Notifier {
  readonly #timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly store: SimStore,
    private readonly faults: Faults,
    private readonly retryMs: number[] = DEFAULT_NOTIFY_RETRY_MS,
  ) {}

  paid(trade: Trade): void {
    if (trade.notifyUrl) void this.#attempt(trade, 0);
  }

  close(): void {
    for (const timer of this.#timers) clearTimeout(timer);
  }

  async #attempt(trade: Trade, attempt: number): Promise<void> {
    const { contentType, body, acknowledged } = this.#render(trade);
    let ok = false;
    // Fault knob `method: 'notify'`: a lost notification is one the merchant never receives.
    const fault = this.faults.decide(trade.wallet, 'notify');
    if (fault.drop || fault.error5xx || fault.reset) return this.#retry(trade, attempt);
    try {
      const response = await fetch(trade.notifyUrl!, { method: 'POST', headers: { 'content-type': contentType }, body, signal: AbortSignal.timeout(10_000) });
      ok = response.ok && acknowledged(await response.text());
    } catch {
      ok = false;
    }
    if (!ok) this.#retry(trade, attempt);
  }

  #retry(trade: Trade, attempt: number): void {
    const delay = this.retryMs[attempt];
    if (delay === undefined) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      void this.#attempt(trade, attempt + 1);
    }, delay);
    this.#timers.add(timer);
  }

  #render(trade: Trade): { contentType: string; body: string; acknowledged: (text: string) => boolean } {
    // A sub-merchant's trade is notified by its partner, signed with the partner's key.
    const merchant = this.store.merchants.get(trade.partner ?? trade.merchant)!;
    const paidAt = new Date(trade.paidAt ?? Date.now());
    if (trade.wallet === 'alipay') {
      const params: Record<string, string> = {
        notify_time: alipayTime(new Date()),
        notify_type: 'trade_status_sync',
        notify_id: randomBytes(12).toString('hex'),
        app_id: merchant.alipay.appId,
        charset: 'utf-8',
        version: '1.0',
        sign_type: 'RSA2',
        trade_no: trade.tradeNo,
        out_trade_no: trade.outTradeNo,
        trade_status: 'TRADE_SUCCESS',
        total_amount: minorToDecimal(trade.amount, trade.currency),
        receipt_amount: minorToDecimal(trade.amount, trade.currency),
        gmt_payment: alipayTime(paidAt),
        ...alipayNotificationBuyer(this.store, trade),
      };
      params.sign = rsa2Sign(signingString(params, ['sign', 'sign_type']), merchant.alipay.platformPrivateKey);
      return { contentType: 'application/x-www-form-urlencoded; charset=utf-8', body: new URLSearchParams(params).toString(), acknowledged: (text) => text.trim() === 'success' };
    }
    const fields: Record<string, string> = {
      return_code: 'SUCCESS',
      appid: merchant.wechat.appId,
      mch_id: merchant.wechat.mchId,
      ...(trade.partner ? { sub_mch_id: trade.merchant } : {}),
      nonce_str: randomBytes(16).toString('hex'),
      result_code: 'SUCCESS',
      ...wechatNotificationBuyer(this.store, trade),
      trade_type: 'NATIVE',
      bank_type: 'CFT',
      total_fee: String(trade.amount),
      fee_type: trade.currency,
      cash_fee: String(trade.amount),
      transaction_id: trade.tradeNo,
      out_trade_no: trade.outTradeNo,
      time_end: wechatTime(paidAt),
    };
    fields.sign = wechatSign(fields, merchant.wechat.apiKey, 'MD5');
    return { contentType: 'text/xml; charset=utf-8', body: buildXml(fields), acknowledged: (text) => /<return_code>(<!\[CDATA\[)?SUCCESS(\]\]>)?<\/return_code>/.test(text) };
  }
}

/** An Alipay notification names the buyer as `buyer_id` (the 2088… id) and `buyer_logon_id` (masked). */
function alipayNotificationBuyer(store: SimStore, trade: Trade): Record<string, string> {
  const buyer = alipayBuyer(store, trade);
  return buyer ? { buyer_id: buyer.userId, buyer_logon_id: buyer.logonId } : {};
}

function wechatNotificationBuyer(store: SimStore, trade: Trade): Record<string, string> {
  const openid = wechatOpenid(store, trade);
  return openid ? { openid } : {};
}
