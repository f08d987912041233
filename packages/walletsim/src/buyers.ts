import { createHash } from 'node:crypto';
import type { SimStore } from './store.ts';
import { type Trade, testCodeBehaviour } from './wallet-book.ts';

/**
 * Who paid a trade, as each wallet names them in its answers and notifications:
 * - Alipay: `buyer_logon_id`, the buyer's login masked (`158****1562`, `abc***@sim.example`), and
 *   `buyer_user_id` (`buyer_id` in notifications), the account's 16-digit id starting 2088.
 * - WeChat Pay: `openid`, the buyer's id under the merchant's appid (28 characters, `o…`); no login.
 * The same payer always has the same names: a consumer account by its id, a CONTRACT.md test code by
 * the code itself (each test code stands for one test buyer). A trade nobody has paid yet (a QR order
 * no consumer scanned, a code the wallet did not recognise) has no buyer.
 */
export interface AlipayBuyer {
  logonId: string;
  userId: string;
}

/** The payer's key: a consumer account, or the test buyer a test code stands for; null when unknown. */
function payerOf(trade: Trade): { key: string; login: 'consumer' | 'test' } | null {
  if (trade.consumerId) return { key: `consumer:${trade.consumerId}`, login: 'consumer' };
  if (trade.kind === 'barcode' && trade.authCode && testCodeBehaviour(trade.authCode) !== null) return { key: `test:${trade.authCode}`, login: 'test' };
  return null;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** `count` decimal digits derived from `text` (stable across restarts). */
function digits(text: string, count: number): string {
  const value = BigInt(`0x${digest(text).toString('hex')}`) % 10n ** BigInt(count);
  return value.toString().padStart(count, '0');
}

/** Alipay's masking of a login: a phone `158****1562`, an e-mail the first three characters, `***@` and the domain. */
export function maskAlipayLogin(login: string): string {
  const at = login.indexOf('@');
  if (at < 0) return login.length > 7 ? `${login.slice(0, 3)}****${login.slice(-4)}` : `${login.slice(0, 1)}***`;
  const local = login.slice(0, at);
  return `${local.slice(0, Math.min(3, Math.max(1, local.length - 1)))}***${login.slice(at)}`;
}

export function alipayBuyer(store: SimStore, trade: Trade): AlipayBuyer | null {
  const payer = payerOf(trade);
  if (!payer) return null;
  const consumer = trade.consumerId ? store.consumers.get(trade.consumerId) : undefined;
  // A test code's buyer has a mobile-number login, as most Alipay accounts do.
  const login = consumer?.login ?? `158${digits(`alipay-login:${payer.key}`, 8)}`;
  return { logonId: maskAlipayLogin(login), userId: `2088${digits(`alipay-user:${payer.key}`, 12)}` };
}

/** The `buyer_logon_id` and `buyer_user_id` fields of an answer (none when nobody paid yet). */
export function alipayBuyerFields(store: SimStore, trade: Trade): { buyer_logon_id?: string; buyer_user_id?: string } {
  const buyer = alipayBuyer(store, trade);
  return buyer ? { buyer_logon_id: buyer.logonId, buyer_user_id: buyer.userId } : {};
}

/** WeChat Pay's openid: per payer and per appid (the merchant's; a sub-merchant's partner's). */
export function wechatOpenid(store: SimStore, trade: Trade): string | null {
  const payer = payerOf(trade);
  if (!payer) return null;
  const appId = store.merchants.get(trade.partner ?? trade.merchant)?.wechat.appId ?? trade.partner ?? trade.merchant;
  return `o${digest(`wechat-openid:${appId}:${payer.key}`).toString('base64url').slice(0, 27)}`;
}
