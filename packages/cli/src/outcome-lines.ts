import { type Currency, formatDecimalAmount, isProcessing } from '@counterpay/core';
import type { PaymentRow, RefundRow, Services } from '@counterpay/gateway';

/** Where outcome lines go: the gateway's logger (readable in a terminal, JSON with LOG_FORMAT=json). */
export interface OutcomeLog {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

/** How many shown outcomes are remembered so that a repeated change is not shown twice. */
const REMEMBERED = 10_000;

function money(amount: number, currency: string): string {
  try {
    return `${currency} ${formatDecimalAmount(amount, currency as Currency)}`;
  } catch {
    return `${amount} ${currency}`;
  }
}

/**
 * One line per payment and refund outcome made in this process, on the request path or by the resolver
 * alike (both announce committed changes on the change feed): `payment pay_… succeeded  CNY 12.50
 * alipay barcode`, `refund re_… succeeded  CNY 2.00 for pay_…`. Returns the unsubscribe.
 */
export function logOutcomes(services: Pick<Services, 'feed' | 'payments' | 'refunds'>, log: OutcomeLog): () => void {
  const shown = new Set<string>();
  const firstTime = (key: string): boolean => {
    if (shown.has(key)) return false;
    shown.add(key);
    if (shown.size > REMEMBERED) shown.delete(shown.values().next().value!);
    return true;
  };

  async function payment(id: string, committed: PaymentRow | undefined): Promise<void> {
    const row = committed ?? (await services.payments.waitForFinal(id, 0));
    if (isProcessing(row.status) || !firstTime(`${id}:${row.status}`)) return;
    const failure = row.failure_code ? ` — ${row.failure_code}` : '';
    const how = [row.wallet, row.flow].filter(Boolean).join(' ');
    log.info(
      { payment: id, status: row.status, amount: row.amount, currency: row.currency, wallet: row.wallet, flow: row.flow, livemode: Boolean(row.livemode), failure_code: row.failure_code },
      `payment ${id} ${row.status}  ${money(row.amount, row.currency)} ${how}${failure}`,
    );
  }

  async function refund(id: string, committed: RefundRow | undefined): Promise<void> {
    const row = committed ?? (await services.refunds.waitForFinal(id, 0));
    if (isProcessing(row.status) || !firstTime(`${id}:${row.status}`)) return;
    log.info(
      { refund: id, payment: row.payment_id, status: row.status, amount: row.amount, currency: row.currency, livemode: Boolean(row.livemode) },
      `refund ${id} ${row.status}  ${money(row.amount, row.currency)} for ${row.payment_id}`,
    );
  }

  return services.feed.watch((ids, row) => {
    // The committed row when the change came with it (no read back), else a read.
    const committed = <T>(id: string) => (row?.id === id ? (row as T) : undefined);
    // A refund's change also names its payment, whose own outcome is not news.
    const refunds = ids.filter((id) => id.startsWith('re_'));
    const work =
      refunds.length > 0
        ? refunds.map((id) => refund(id, committed<RefundRow>(id)))
        : ids.filter((id) => id.startsWith('pay_')).map((id) => payment(id, committed<PaymentRow>(id)));
    for (const done of work) done.catch((error: Error) => log.warn({ err: error, ids }, 'could not show an outcome'));
  });
}
