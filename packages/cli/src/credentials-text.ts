import type { MerchantCredentials } from '@counterpay/gateway';

type Mode = 'test' | 'live';

/**
 * Every credential a merchant's client needs, one line per API, for one mode: the native key, Omise's
 * secret key, PingPong's accId + clientId + salt (the signing secret), ScanForPay's partnerNo + signKey
 * + storeNo (+ the optional terminalNo), and the webhook signing secret. Enough to configure an
 * existing PingPong, ScanForPay or Omise client from this output alone.
 */
export function credentialLines(credentials: MerchantCredentials, mode: Mode, indent = '  '): string[] {
  const live = mode === 'live';
  const pingpong = live ? credentials.pingpong.live : credentials.pingpong;
  const scanforpay = live ? credentials.scanforpay.live : credentials.scanforpay;
  const rows: Array<[string, string]> = [
    ['native API', `secret key ${live ? credentials.live_secret_key : credentials.secret_key}`],
    ['Omise', `secret key ${live ? credentials.omise.liveSecretKey : credentials.omise.secretKey}`],
    ['PingPong', `accId ${pingpong.accId}  clientId ${pingpong.clientId}  salt ${pingpong.salt}`],
    ['ScanForPay', `partnerNo ${scanforpay.partnerNo}  signKey ${scanforpay.signKey}  storeNo ${scanforpay.storeNo}  terminalNo ${credentials.terminal_no}`],
    ['webhooks', `signing secret ${live ? credentials.live_webhook_secret : credentials.webhook_secret}`],
  ];
  return rows.map(([api, text]) => `${indent}${api.padEnd(19)}${text}`);
}
