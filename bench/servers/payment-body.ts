/** The JSON body references A and B validate: what POST /v1/payments takes for a barcode payment. */
export const PAYMENT_BODY_SCHEMA = {
  type: 'object',
  required: ['amount', 'currency', 'merchant_order_id', 'barcode'],
  additionalProperties: false,
  properties: {
    amount: { type: 'integer', minimum: 1, maximum: 100_000_000_000 },
    currency: { type: 'string', pattern: '^[A-Z]{3}$' },
    merchant_order_id: { type: 'string', minLength: 1, maxLength: 64 },
    barcode: { type: 'string', pattern: '^[0-9]{16,24}$' },
    description: { type: 'string', maxLength: 128 },
  },
} as const;

export interface PaymentBody {
  amount: number;
  currency: string;
  merchant_order_id: string;
  barcode: string;
  description?: string;
}

export function maskBarcode(barcode: string): string {
  return `${barcode.slice(0, 4)}${'*'.repeat(barcode.length - 8)}${barcode.slice(-4)}`;
}
