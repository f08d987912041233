import type { SimContext } from './sim-context.ts';
import type { Consumer } from './store.ts';
import type { Trade, WalletName } from './wallet-book.ts';

/** The User-Agent each wallet app sends, so merchant pages can tell which app opened them. */
export const WALLET_USER_AGENTS: Record<WalletName, string> = {
  alipay: 'Mozilla/5.0 (Linux; Android 14) AlipayClient/10.5.96 counterpay-sim',
  wechat: 'Mozilla/5.0 (Linux; Android 14) MicroMessenger/8.0.49 counterpay-sim',
};

export type ScanResult = { kind: 'order'; trade: Trade } | { kind: 'refused'; message: string };

/**
 * "Scanning" a merchant QR code in a wallet app: a wallet order URL of this simulator is opened
 * directly; any other URL (a gateway's one-for-all code) is opened with the app's User-Agent, and
 * the redirect it answers with leads to the wallet order.
 */
export async function scanMerchantCode(sim: SimContext, wallet: WalletName, content: string): Promise<ScanResult> {
  const text = content.trim();
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { kind: 'refused', message: 'This is not a payment code (expected a URL).' };
  }
  if (!['http:', 'https:'].includes(url.protocol)) return { kind: 'refused', message: 'Only http(s) codes can be opened.' };
  const own = orderFromUrl(sim, url.toString());
  if (own) return checkWallet(own, wallet);
  let response: Response;
  try {
    response = await fetch(url, { headers: { 'user-agent': WALLET_USER_AGENTS[wallet] }, redirect: 'manual', signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    return { kind: 'refused', message: `The code's page could not be opened (${(error as Error).message}).` };
  }
  const location = response.headers.get('location');
  const trade = location ? orderFromUrl(sim, new URL(location, url).toString()) : undefined;
  if (trade) return checkWallet(trade, wallet);
  const page = (await response.text()).replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 200);
  return { kind: 'refused', message: page || `The code's page answered HTTP ${response.status}.` };
}

function orderFromUrl(sim: SimContext, url: string): Trade | undefined {
  const prefix = `${sim.baseUrl()}/qr/`;
  return url.startsWith(prefix) ? sim.book.findByQrToken(url.slice(prefix.length)) : undefined;
}

function checkWallet(trade: Trade, wallet: WalletName): ScanResult {
  if (trade.wallet !== wallet) return { kind: 'refused', message: `This code is for ${trade.wallet === 'alipay' ? 'Alipay' : 'WeChat Pay'}.` };
  return { kind: 'order', trade };
}

export type PayOutcome = 'paid' | 'wrong_password' | 'insufficient_balance' | 'not_payable';

/** The buyer confirms with the password; the merchant is notified as the wallet would. */
export function confirmQrPayment(sim: SimContext, consumer: Consumer, trade: Trade, password: string): PayOutcome {
  if (password !== consumer.password) return 'wrong_password';
  const result = sim.book.payQrOrder(trade, consumer.id);
  if (result === 'paid') sim.notifier.paid(trade);
  return result;
}
