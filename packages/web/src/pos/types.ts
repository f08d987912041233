/** The native API's objects as the register reads them (CONTRACT.md, packages/gateway/src/api/v1/schemas.ts). */
export type PaymentStatus = 'processing' | 'succeeded' | 'failed' | 'closed';

export interface Payment {
  id: string;
  object: 'payment';
  status: PaymentStatus;
  wallet: 'alipay' | 'wechat' | null;
  flow: 'barcode' | 'qr';
  amount: number;
  currency: string;
  amount_refunded: number;
  merchant_order_id: string;
  barcode: string | null;
  qr_code: string | null;
  qr_url: string | null;
  expires_at: string | null;
  failure_code: string | null;
  failure_message: string | null;
  wallet_transaction_id: string | null;
  buyer: { account: string | null; id: string | null } | null;
  description: string | null;
  store_id: string | null;
  terminal_id: string | null;
  operator_id: string | null;
  created_at: string;
  paid_at: string | null;
  closed_at: string | null;
  livemode: boolean;
}

export interface Refund {
  id: string;
  object: 'refund';
  payment: string;
  amount: number;
  currency: string;
  status: 'processing' | 'succeeded' | 'failed';
  failure_code?: string | null;
  created_at: string;
}

export interface List<T> {
  object: 'list';
  has_more: boolean;
  data: T[];
}

export const WALLET_NAMES: Record<string, string> = { alipay: 'Alipay', wechat: 'WeChat Pay' };

export function walletName(wallet: string | null): string {
  return wallet ? (WALLET_NAMES[wallet] ?? wallet) : 'any wallet';
}
