import { type Currency, exactMinorUnits, formatDecimalAmount } from '@counterpay/core';
import type { PaymentRow } from '../repositories/payment-repository.ts';

export const CSV_COLUMNS = [
  'id',
  'created_at',
  'paid_at',
  'status',
  'wallet',
  'flow',
  'amount',
  'amount_refunded',
  'currency',
  'merchant_order_id',
  'store_id',
  'terminal_id',
  'operator_id',
  'barcode',
  'wallet_transaction_id',
  'failure_code',
  'description',
] as const;

/**
 * One CSV field: quoted when it holds a separator, quote or line break; text a spreadsheet would run
 * as a formula (= + - @ at the start) is prefixed with an apostrophe. Amounts never start so (they
 * are formatted here, never negative).
 */
export function csvField(value: string | null): string {
  if (value === null) return '';
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** A payment as one CSV line; amounts as exact decimal text in the currency's major unit (12.34). */
export function paymentCsvLine(p: PaymentRow): string {
  const currency = p.currency as Currency;
  const values: Record<(typeof CSV_COLUMNS)[number], string | null> = {
    id: p.id,
    created_at: p.created_at,
    paid_at: p.paid_at,
    status: p.status,
    wallet: p.wallet,
    flow: p.flow,
    amount: formatDecimalAmount(exactMinorUnits(p.amount), currency),
    amount_refunded: formatDecimalAmount(exactMinorUnits(p.amount_refunded), currency),
    currency: p.currency,
    merchant_order_id: p.merchant_order_id,
    store_id: p.store_id,
    terminal_id: p.terminal_id,
    operator_id: p.operator_id,
    barcode: p.barcode_masked,
    wallet_transaction_id: p.wallet_transaction_id,
    failure_code: p.failure_code,
    description: p.description,
  };
  return `${CSV_COLUMNS.map((c) => csvField(values[c])).join(',')}\r\n`;
}

/** The header line and then one line per payment, as the rows arrive. */
export async function* paymentsCsv(rows: AsyncIterable<PaymentRow>): AsyncGenerator<string> {
  yield `${CSV_COLUMNS.join(',')}\r\n`;
  for await (const row of rows) yield paymentCsvLine(row);
}
