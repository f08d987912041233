import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RefundOutcome } from './connector.ts';
import { REFUND_STATUSES } from './payment-state.ts';
import { type RefundAction, type RefundObservation, decideRefund } from './refund-decision.ts';

const text = fc.string({ minLength: 1, maxLength: 20 });

/** One arbitrary per outcome kind: a new kind in connector.ts breaks this file until it is covered. */
const refundOutcomes: { [K in RefundOutcome['kind']]: fc.Arbitrary<Extract<RefundOutcome, { kind: K }>> } = {
  succeeded: fc.record({
    kind: fc.constant('succeeded' as const),
    walletRefundId: fc.option(text, { nil: null }),
    refundedAt: fc.option(fc.date({ noInvalidDate: true }), { nil: null }),
  }),
  failed: fc.record({ kind: fc.constant('failed' as const), walletCode: text, message: text }),
  pending: fc.constant({ kind: 'pending' as const }),
  not_found: fc.constant({ kind: 'not_found' as const }),
  unknown: fc.record({ kind: fc.constant('unknown' as const), reason: text }),
  not_sent: fc.record({ kind: fc.constant('not_sent' as const), reason: text }),
};
const CALLS: readonly RefundObservation['kind'][] = ['refund', 'resend', 'query'];
const observation = fc.record({ kind: fc.constantFrom(...CALLS), outcome: fc.oneof(...Object.values(refundOutcomes)) }) as fc.Arbitrary<RefundObservation>;

/** The safety properties, stated from what the wallet said, not from how decideRefund is written. */
function assertSafe(status: (typeof REFUND_STATUSES)[number], seen: RefundObservation, action: RefundAction): void {
  const context = `${status} ${JSON.stringify(seen)} -> ${JSON.stringify(action)}`;
  if (status !== 'processing') {
    expect(action, context).toEqual({ kind: 'stop' });
    return;
  }
  const { outcome } = seen;
  expect(action.kind, context).not.toBe('stop');
  if (action.kind === 'fail') {
    // Only the wallet's refusal, or a first request that provably never left, fails a refund.
    const refused = outcome.kind === 'failed';
    const neverLeft = outcome.kind === 'not_sent' && seen.kind === 'refund';
    expect(refused || neverLeft, `a refund is never failed on an unknown outcome: ${context}`).toBe(true);
    if (outcome.kind === 'failed') expect(action, context).toEqual({ kind: 'fail', failureCode: 'failed_processing', failureMessage: `${outcome.walletCode}: ${outcome.message}` });
    if (outcome.kind === 'not_sent') {
      expect(action.failureCode, context).toBe('wallet_unavailable');
      expect(action.failureMessage, context).toContain(outcome.reason);
    }
  }
  if (action.kind === 'succeed') expect(outcome, context).toMatchObject({ kind: 'succeeded', walletRefundId: action.walletRefundId });
  expect(action.kind === 'succeed', `succeed exactly when the wallet said so: ${context}`).toBe(outcome.kind === 'succeeded');
  expect(action.kind === 'resend', `resend exactly when a query found nothing: ${context}`).toBe(seen.kind === 'query' && outcome.kind === 'not_found');
  if (action.kind === 'check_later') expect(action.reason, context).toBe('reason' in outcome ? outcome.reason : null);
}

describe('decideRefund: safety over every combination', () => {
  it('holds for every status × call × outcome kind, each with several random payloads', () => {
    let checked = 0;
    for (const arb of Object.values(refundOutcomes)) {
      for (const outcome of fc.sample(arb as fc.Arbitrary<RefundOutcome>, { numRuns: 5, seed: 20260301 })) {
        for (const status of REFUND_STATUSES) {
          for (const kind of CALLS) {
            const seen = { kind, outcome };
            assertSafe(status, seen, decideRefund({ status }, seen));
            checked += 1;
          }
        }
      }
    }
    expect(checked).toBe(Object.keys(refundOutcomes).length * 5 * REFUND_STATUSES.length * CALLS.length);
  });

  it('holds for random payloads (fast-check)', () => {
    fc.assert(fc.property(fc.constantFrom(...REFUND_STATUSES), observation, (status, seen) => assertSafe(status, seen, decideRefund({ status }, seen))), { numRuns: 2000 });
  });
});

const CASES: [string, RefundObservation, RefundAction][] = [
  ['refund succeeded: succeed with the wallet refund id', { kind: 'refund', outcome: { kind: 'succeeded', walletRefundId: 'w-9', refundedAt: null } }, { kind: 'succeed', walletRefundId: 'w-9' }],
  ['query succeeded without an id: succeed without one', { kind: 'query', outcome: { kind: 'succeeded', walletRefundId: null, refundedAt: null } }, { kind: 'succeed', walletRefundId: null }],
  ['refund refused: fail with the wallet\'s code and words', { kind: 'refund', outcome: { kind: 'failed', walletCode: 'ACQ.TRADE_HAS_CLOSE', message: 'the trade is closed' } }, { kind: 'fail', failureCode: 'failed_processing', failureMessage: 'ACQ.TRADE_HAS_CLOSE: the trade is closed' }],
  ['refund never sent: fail as wallet_unavailable with the reason', { kind: 'refund', outcome: { kind: 'not_sent', reason: 'connect ECONNREFUSED' } }, { kind: 'fail', failureCode: 'wallet_unavailable', failureMessage: 'The wallet could not be reached, so nothing was refunded (connect ECONNREFUSED).' }],
  ['re-sent refund never sent: ask later (the first may still land)', { kind: 'resend', outcome: { kind: 'not_sent', reason: 'ENOTFOUND' } }, { kind: 'check_later', reason: 'ENOTFOUND' }],
  ['refund unknown (timeout): ask later', { kind: 'refund', outcome: { kind: 'unknown', reason: 'timeout' } }, { kind: 'check_later', reason: 'timeout' }],
  ['refund pending: ask later', { kind: 'refund', outcome: { kind: 'pending' } }, { kind: 'check_later', reason: null }],
  ['query says the wallet never saw it: send it again', { kind: 'query', outcome: { kind: 'not_found' } }, { kind: 'resend' }],
  ['refund request answered not found: ask later', { kind: 'refund', outcome: { kind: 'not_found' } }, { kind: 'check_later', reason: null }],
  ['query never sent: ask later', { kind: 'query', outcome: { kind: 'not_sent', reason: 'TLS' } }, { kind: 'check_later', reason: 'TLS' }],
];

describe('decideRefund: named cases', () => {
  it.each(CASES)('%s', (_name, seen, expected) => {
    expect(decideRefund({ status: 'processing' }, seen)).toEqual(expected);
  });

  it('a final refund stops, whatever arrives', () => {
    expect(decideRefund({ status: 'succeeded' }, { kind: 'query', outcome: { kind: 'failed', walletCode: 'X', message: 'y' } })).toEqual({ kind: 'stop' });
    expect(decideRefund({ status: 'failed' }, { kind: 'refund', outcome: { kind: 'succeeded', walletRefundId: 'w', refundedAt: null } })).toEqual({ kind: 'stop' });
  });
});
