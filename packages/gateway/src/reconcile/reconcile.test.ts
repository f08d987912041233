import { describe, expect, it } from 'vitest';
import { compareWithLedger } from './reconcile.ts';

/** The --against-sim comparison: a late success refunded in full is not a mismatch; one not refunded is. */
describe('compareWithLedger', () => {
  const ours = new Set(['app-1']);
  const charge = (outTradeNo: string) => ({ wallet: 'alipay', merchant: 'app-1', outTradeNo, amount: 900, currency: 'CNY', status: 'paid' });
  const closed = (id: string) => ({ id, status: 'closed' as const, flow: 'barcode' as const, amount: 900, currency: 'CNY' });

  it('accepts a closed payment whose late charge the wallet gave back in full, and reports one it did not', () => {
    const report = compareWithLedger(
      [closed('pay_refunded'), closed('pay_kept')],
      [{ id: 're_late', status: 'succeeded', amount: 900 }],
      ours,
      { charges: [charge('pay_refunded'), charge('pay_kept')], refunds: [{ wallet: 'alipay', merchant: 'app-1', outTradeNo: 'pay_refunded', outRefundNo: 're_late', amount: 900, currency: 'CNY' }] },
    );
    expect(report.mismatches).toEqual([{ kind: 'charged_not_succeeded', id: 'pay_kept', detail: 'gateway status closed' }]);
  });
});
