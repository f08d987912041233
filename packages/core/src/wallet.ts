export const WALLETS = ['alipay', 'wechat'] as const;
export type Wallet = (typeof WALLETS)[number];

export function isWallet(value: unknown): value is Wallet {
  return typeof value === 'string' && (WALLETS as readonly string[]).includes(value);
}

/**
 * Which wallet issued a customer-presented payment code (CONTRACT.md): 16–24 digits starting 25–30 is
 * Alipay; 18 digits starting 10–15 is WeChat Pay; anything else is not a payment code.
 */
export function detectWallet(barcode: string): Wallet | null {
  if (!/^\d+$/.test(barcode)) return null;
  const prefix = Number(barcode.slice(0, 2));
  if (barcode.length >= 16 && barcode.length <= 24 && prefix >= 25 && prefix <= 30) return 'alipay';
  if (barcode.length === 18 && prefix >= 10 && prefix <= 15) return 'wechat';
  return null;
}

/** Shows the first 4 and last 4 digits of a payment code, enough to recognise it, too little to reuse it. */
export function maskBarcode(barcode: string): string {
  if (barcode.length <= 8) return '*'.repeat(barcode.length);
  return `${barcode.slice(0, 4)}${'*'.repeat(barcode.length - 8)}${barcode.slice(-4)}`;
}
