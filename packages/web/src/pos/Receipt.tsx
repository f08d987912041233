import { formatMoney } from '../shared/money.ts';
import type { RegisterSession } from './session.ts';
import { type Payment, walletName } from './types.ts';

/** The sale's receipt, on screen and alone on paper (pos.css hides everything else when printing). */
export function Receipt({ payment, session }: { payment: Payment; session: RegisterSession }) {
  const at = new Date(payment.paid_at ?? payment.created_at);
  const rows: Array<[string, string]> = [
    ['Date', at.toLocaleString()],
    ['Store', payment.store_id ?? session.storeId],
    ['Terminal', payment.terminal_id ?? session.terminalId],
    ...(payment.operator_id ? ([['Operator', payment.operator_id]] as Array<[string, string]>) : []),
    ['Paid with', walletName(payment.wallet)],
    ...(payment.buyer?.account ? ([['Buyer', payment.buyer.account]] as Array<[string, string]>) : []),
    ['Order', payment.merchant_order_id],
    ['Payment', payment.id],
    ...(payment.wallet_transaction_id ? ([['Wallet transaction', payment.wallet_transaction_id]] as Array<[string, string]>) : []),
  ];
  return (
    <section className="receipt" aria-labelledby="receipt-title">
      <h3 id="receipt-title">Receipt</h3>
      <p className="receipt-total amount">{formatMoney(payment.amount, payment.currency)}</p>
      {payment.amount_refunded > 0 ? <p className="amount">Refunded {formatMoney(payment.amount_refunded, payment.currency)}</p> : null}
      <dl>
        {rows.map(([term, value]) => (
          <div key={term}>
            <dt>{term}</dt>
            <dd className={term === 'Date' ? undefined : 'mono'}>{value}</dd>
          </div>
        ))}
      </dl>
      {payment.livemode ? null : <p className="receipt-note">Test mode: no money moved.</p>}
    </section>
  );
}
