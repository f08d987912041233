import type { Connector, Wallet } from '@counterpay/core';
import { AlipayConnector } from './alipay/alipay-connector.ts';
import { WechatPayConnector } from './wechatpay/wechatpay-connector.ts';

export { AlipayConnector, type AlipayConnectorOptions } from './alipay/alipay-connector.ts';
export { WechatPayConnector, type WechatPayConnectorOptions } from './wechatpay/wechatpay-connector.ts';
export type { WechatSignType } from './wechatpay/wechatpay-sign.ts';
export { summarizeAccount } from './account-summary.ts';
export { resolveWalletEndpoint, WALLET_ENDPOINTS } from './wallet-endpoints.ts';
export { CERTIFICATE_MISSING } from './wechatpay/wechatpay-exchange.ts';

export interface ConnectorsOptions {
  /** Alipay open platform gateway for accounts that name no `endpoint`, e.g. `SIM_URL/gateway.do`. */
  alipayGatewayUrl: string;
  /** WeChat Pay v2 base URL for accounts that name no `endpoint`, e.g. `SIM_URL` (`/pay/micropay` is appended). */
  wechatBaseUrl: string;
  /** Budget of one HTTP call to a wallet; past it the outcome is unknown. */
  timeoutMs: number;
  /** Where each wallet should send asynchronous notifications, if anywhere. */
  notifyUrl?: (wallet: Wallet) => string | undefined;
}

/** One connector per wallet, as the payments service uses them. */
export function createConnectors(options: ConnectorsOptions): Record<Wallet, Connector> {
  return {
    alipay: new AlipayConnector({
      gatewayUrl: options.alipayGatewayUrl,
      timeoutMs: options.timeoutMs,
      notifyUrl: () => options.notifyUrl?.('alipay'),
    }),
    wechat: new WechatPayConnector({
      baseUrl: options.wechatBaseUrl,
      timeoutMs: options.timeoutMs,
      notifyUrl: () => options.notifyUrl?.('wechat'),
    }),
  };
}
