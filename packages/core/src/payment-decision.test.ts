import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CancelOutcome, PaymentOutcome, QrOutcome } from './connector.ts';
import {
  type PaymentAction,
  type PaymentSituation,
  type WalletObservation,
  closeReason,
  decidePayment,
  succeedAfterCancelSaidPaid,
} from './payment-decision.ts';
import { FAILURE_CODES, PAYMENT_STATUSES } from './payment-state.ts';

// ---- Every variant of what the wallet can say, with arbitrary payloads. The mapped types demand one
// ---- entry per outcome kind, so a new kind in connector.ts breaks this file until it is covered here.

const text = fc.string({ minLength: 1, maxLength: 20 });
const instant = fc.date({ noInvalidDate: true, min: new Date('2020-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z') });

type ArbitraryPerKind<T extends { kind: string }> = { [K in T['kind']]: fc.Arbitrary<Extract<T, { kind: K }>> };

const paymentOutcomes: ArbitraryPerKind<PaymentOutcome> = {
  succeeded: fc.record(
    { kind: fc.constant('succeeded' as const), walletTransactionId: text, paidAt: fc.option(instant, { nil: null }), buyerAccount: text, buyerId: text },
    { requiredKeys: ['kind', 'walletTransactionId', 'paidAt'] },
  ),
  failed: fc.record({ kind: fc.constant('failed' as const), code: fc.constantFrom(...FAILURE_CODES), walletCode: text, message: text }),
  pending: fc.record({ kind: fc.constant('pending' as const), walletCode: text }),
  closed: fc.record({ kind: fc.constant('closed' as const), walletCode: text }),
  not_found: fc.constant({ kind: 'not_found' as const }),
  unknown: fc.record({ kind: fc.constant('unknown' as const), reason: text }),
  not_sent: fc.record({ kind: fc.constant('not_sent' as const), reason: text }),
};

const cancelOutcomes: ArbitraryPerKind<CancelOutcome> = {
  cancelled: fc.constant({ kind: 'cancelled' as const }),
  paid: fc.constant({ kind: 'paid' as const }),
  retry: fc.record({ kind: fc.constant('retry' as const), reason: text }),
  not_sent: fc.record({ kind: fc.constant('not_sent' as const), reason: text }),
};

const qrOutcomes: ArbitraryPerKind<QrOutcome> = {
  created: fc.record({ kind: fc.constant('created' as const), qrCode: text }),
  failed: fc.record({ kind: fc.constant('failed' as const), walletCode: text, message: text }),
  unknown: fc.record({ kind: fc.constant('unknown' as const), reason: text }),
  not_sent: fc.record({ kind: fc.constant('not_sent' as const), reason: text }),
};

interface Variant {
  name: string; // "query:closed"
  arb: fc.Arbitrary<WalletObservation>;
}

function variantsOf<O extends { kind: string }>(call: string, outcomes: ArbitraryPerKind<O>, wrap: (o: O) => WalletObservation): Variant[] {
  return Object.entries<fc.Arbitrary<O>>(outcomes).map(([kind, arb]) => ({ name: `${call}:${kind}`, arb: arb.map(wrap) }));
}

/** One list per observation kind, keyed so that a new kind of observation must be added here. */
const VARIANTS_BY_CALL: Record<WalletObservation['kind'], Variant[]> = {
  nothing_yet: [{ name: 'nothing_yet', arb: fc.constant({ kind: 'nothing_yet' }) }],
  pay: variantsOf('pay', paymentOutcomes, (outcome) => ({ kind: 'pay', outcome })),
  query: variantsOf('query', paymentOutcomes, (outcome) => ({ kind: 'query', outcome })),
  cancel: variantsOf('cancel', cancelOutcomes, (outcome) => ({ kind: 'cancel', outcome })),
  create_qr: variantsOf('create_qr', qrOutcomes, (outcome) => ({ kind: 'create_qr', outcome })),
};
const VARIANTS = Object.values(VARIANTS_BY_CALL).flat();

const BOOLS = [false, true] as const;
const SITUATIONS: PaymentSituation[] = PAYMENT_STATUSES.flatMap((status) =>
  (['barcode', 'qr'] as const).flatMap((flow) =>
    BOOLS.flatMap((walletChosen) =>
      BOOLS.flatMap((cancelRequested) =>
        BOOLS.flatMap((cancelStarted) => BOOLS.map((pastDeadline) => ({ status, flow, walletChosen, cancelRequested, cancelStarted, pastDeadline }))),
      ),
    ),
  ),
);
const situation = fc.constantFrom(...SITUATIONS);
const observation = fc.oneof(...VARIANTS.map((v) => v.arb));

// ---- What the wallet said, read from the observation alone (not from the decision).

function walletSaidPaid(seen: WalletObservation): boolean {
  return ((seen.kind === 'pay' || seen.kind === 'query') && seen.outcome.kind === 'succeeded') || (seen.kind === 'cancel' && seen.outcome.kind === 'paid');
}

/** The failure code the wallet stated, or that a request which provably never left implies; else null. */
function statedFailure(seen: WalletObservation): string | null {
  if ((seen.kind === 'pay' || seen.kind === 'query') && seen.outcome.kind === 'failed') return seen.outcome.code;
  if (seen.kind === 'create_qr' && seen.outcome.kind === 'failed') return 'failed_processing';
  // Only the payment's own request (pay, QR order) tells that nothing exists at the wallet.
  if ((seen.kind === 'pay' || seen.kind === 'create_qr') && seen.outcome.kind === 'not_sent') return 'wallet_unavailable';
  return null;
}

function closeIsJustified(s: PaymentSituation, seen: WalletObservation): boolean {
  const cancelConfirmed = seen.kind === 'cancel' && seen.outcome.kind === 'cancelled';
  const queryShowedClosed = seen.kind === 'query' && seen.outcome.kind === 'closed';
  const unopenedCodeExpired = seen.kind === 'nothing_yet' && !s.walletChosen && s.pastDeadline;
  return cancelConfirmed || queryShowedClosed || unopenedCodeExpired;
}

function reasonOf(seen: WalletObservation): string | null {
  if (seen.kind === 'nothing_yet') return null;
  return 'reason' in seen.outcome ? seen.outcome.reason : null;
}

/** The safety properties, stated without reference to how decidePayment is written. */
function assertSafe(s: PaymentSituation, seen: WalletObservation, action: PaymentAction): void {
  const context = `${JSON.stringify(s)} ${JSON.stringify(seen)} -> ${JSON.stringify(action)}`;
  if (s.status !== 'processing') {
    expect(action, `a final payment always stops: ${context}`).toEqual({ kind: 'stop' });
    return;
  }
  expect(action.kind, `a processing payment keeps its task: ${context}`).not.toBe('stop');
  if (walletSaidPaid(seen)) expect(['close', 'fail'], `paid is never closed or failed: ${context}`).not.toContain(action.kind);
  if (action.kind === 'fail') expect(action.failureCode, `fail only when the wallet said so or nothing was sent: ${context}`).toBe(statedFailure(seen));
  if (action.kind === 'close') {
    expect(closeIsJustified(s, seen), `close only after a confirmed cancel, a closed order or an unopened code's expiry: ${context}`).toBe(true);
    expect(action.failureCode, `the close reason follows cancelRequested: ${context}`).toBe(s.cancelRequested ? 'payment_cancelled' : 'payment_expired');
  }
  if (s.cancelStarted && seen.kind === 'query') expect(action.kind, `once a cancel started, a query never closes: ${context}`).not.toBe('close');
  if (s.cancelStarted && s.walletChosen && seen.kind !== 'cancel') {
    expect(action.kind, `once a cancel may be in flight, only its answer ends the payment: ${context}`).toBe('cancel');
  }
  if (action.kind === 'succeed') {
    expect(walletSaidPaid(seen) && seen.kind !== 'cancel', `succeed only on the wallet's word: ${context}`).toBe(true);
    const outcome = (seen as { outcome: Extract<PaymentOutcome, { kind: 'succeeded' }> }).outcome;
    expect(action, `succeed carries the wallet's transaction and buyer: ${context}`).toEqual(succeedWith(outcome));
  }
  expect(action.kind === 'confirm_paid', `confirm_paid exactly when the cancel said paid: ${context}`).toBe(seen.kind === 'cancel' && seen.outcome.kind === 'paid');
  if (action.kind === 'show_qr') {
    expect(seen.kind === 'create_qr' && seen.outcome.kind === 'created' && seen.outcome.qrCode === action.qrCode, `show the wallet's code: ${context}`).toBe(true);
  }
  if (seen.kind === 'query' && s.pastDeadline && ['pending', 'unknown', 'not_found', 'not_sent'].includes(seen.outcome.kind)) {
    expect(action.kind, `past the deadline an unsettled payment is cancelled, not polled: ${context}`).toBe('cancel');
  }
  if (action.kind === 'check_later') {
    expect(action.reason, `check_later keeps the wallet's or network's reason: ${context}`).toBe(reasonOf(seen));
    if (action.schedule === 'deadline') expect(seen.kind === 'nothing_yet' && !s.walletChosen && !s.pastDeadline, context).toBe(true);
    if (action.schedule === 'cancel_backoff') expect(seen.kind, context).toBe('cancel');
    if (action.schedule === 'qr_poll') expect(s.flow, context).toBe('qr');
  }
}

describe('decidePayment: safety over every combination', () => {
  it('enumerates every situation and every observation and outcome variant', () => {
    expect(SITUATIONS).toHaveLength(4 * 2 * 2 ** 4);
    expect(VARIANTS.map((v) => v.name)).toEqual([
      'nothing_yet',
      ...['pay', 'query'].flatMap((c) => ['succeeded', 'failed', 'pending', 'closed', 'not_found', 'unknown', 'not_sent'].map((k) => `${c}:${k}`)),
      ...['cancelled', 'paid', 'retry', 'not_sent'].map((k) => `cancel:${k}`),
      ...['created', 'failed', 'unknown', 'not_sent'].map((k) => `create_qr:${k}`),
    ]);
  });

  it('holds for all situations × all variants, each with several random payloads', () => {
    let checked = 0;
    for (const variant of VARIANTS) {
      const payloads = fc.sample(variant.arb, { numRuns: 5, seed: 20260301 });
      for (const s of SITUATIONS) {
        for (const seen of payloads) {
          assertSafe(s, seen, decidePayment(s, seen));
          checked += 1;
        }
      }
    }
    expect(checked).toBe(VARIANTS.length * SITUATIONS.length * 5);
  });

  it('holds for random situations and payloads (fast-check)', () => {
    fc.assert(fc.property(situation, observation, (s, seen) => assertSafe(s, seen, decidePayment(s, seen))), { numRuns: 3000 });
  });

  it('is pure: the same facts always give the same action, and the inputs are left unchanged', () => {
    fc.assert(fc.property(situation, observation, (s, seen) => {
      const before = structuredClone({ s, seen });
      expect(decidePayment(s, seen)).toEqual(decidePayment(structuredClone(s), structuredClone(seen)));
      expect({ s, seen }).toEqual(before);
    }));
  });
});

// ---- The named cases, action by action.

const base: PaymentSituation = { status: 'processing', flow: 'barcode', walletChosen: true, cancelRequested: false, cancelStarted: false, pastDeadline: false };
const PAID_AT = new Date('2026-03-01T10:00:00.000Z');
const paid: PaymentOutcome = { kind: 'succeeded', walletTransactionId: '2026030122001', paidAt: PAID_AT };
const declined: PaymentOutcome = { kind: 'failed', code: 'insufficient_balance', walletCode: 'ACQ.BUYER_BALANCE_NOT_ENOUGH', message: 'balance' };
const unknown: PaymentOutcome = { kind: 'unknown', reason: 'timeout after 10000 ms' };
const refused: PaymentOutcome = { kind: 'not_sent', reason: 'connect ECONNREFUSED' };
const pending: PaymentOutcome = { kind: 'pending', walletCode: 'USERPAYING' };
const closedAtWallet: PaymentOutcome = { kind: 'closed', walletCode: 'TRADE_CLOSED' };
const notFound: PaymentOutcome = { kind: 'not_found' };
const succeed = { kind: 'succeed', walletTransactionId: '2026030122001', paidAt: PAID_AT } as const;

const CASES: [string, Partial<PaymentSituation>, WalletObservation, PaymentAction][] = [
  // Final payments: nothing more to do, whatever arrives.
  ['a succeeded payment stops', { status: 'succeeded' }, { kind: 'query', outcome: closedAtWallet }, { kind: 'stop' }],
  ['a closed payment stops even when a late pay answer says paid', { status: 'closed' }, { kind: 'pay', outcome: paid }, { kind: 'stop' }],
  ['a failed payment stops', { status: 'failed', cancelStarted: true }, { kind: 'nothing_yet' }, { kind: 'stop' }],
  // The resolver about to act.
  ['an unopened one-for-all code waits for its expiry', { flow: 'qr', walletChosen: false }, { kind: 'nothing_yet' }, { kind: 'check_later', schedule: 'deadline', reason: null }],
  ['an unopened one-for-all code expires at its deadline', { flow: 'qr', walletChosen: false, pastDeadline: true }, { kind: 'nothing_yet' }, { kind: 'close', failureCode: 'payment_expired' }],
  ['an unopened one-for-all code the merchant cancelled closes as cancelled', { flow: 'qr', walletChosen: false, pastDeadline: true, cancelRequested: true }, { kind: 'nothing_yet' }, { kind: 'close', failureCode: 'payment_cancelled' }],
  ['a payment in doubt is queried', {}, { kind: 'nothing_yet' }, { kind: 'query' }],
  ['past the deadline, a last query comes before the cancel', { pastDeadline: true }, { kind: 'nothing_yet' }, { kind: 'query' }],
  ['a cancel in flight is sent again, not queried', { cancelStarted: true, pastDeadline: true }, { kind: 'nothing_yet' }, { kind: 'cancel' }],
  // The answer to the barcode pay request.
  ['pay succeeded: succeed with the wallet transaction', {}, { kind: 'pay', outcome: paid }, succeed],
  ['pay failed: fail with the wallet code', {}, { kind: 'pay', outcome: declined }, { kind: 'fail', failureCode: 'insufficient_balance' }],
  ['pay never sent: fail as wallet_unavailable (the buyer was not charged)', {}, { kind: 'pay', outcome: refused }, { kind: 'fail', failureCode: 'wallet_unavailable' }],
  ['pay pending (buyer confirming): query later', {}, { kind: 'pay', outcome: pending }, { kind: 'check_later', schedule: 'query', reason: null }],
  ['pay unknown (timeout): query later, keeping the reason', {}, { kind: 'pay', outcome: unknown }, { kind: 'check_later', schedule: 'query', reason: 'timeout after 10000 ms' }],
  ['pay answered closed: the resolver decides with the deadline in view', {}, { kind: 'pay', outcome: closedAtWallet }, { kind: 'check_later', schedule: 'query', reason: null }],
  ['pay answered not found: query later', { pastDeadline: true }, { kind: 'pay', outcome: notFound }, { kind: 'check_later', schedule: 'query', reason: null }],
  ['a pay answer arriving after a cancel started: the cancel decides', { cancelStarted: true }, { kind: 'pay', outcome: paid }, { kind: 'cancel' }],
  // The answer to a query.
  ['query succeeded: succeed', {}, { kind: 'query', outcome: paid }, succeed],
  ['query succeeded past the deadline: still succeed', { pastDeadline: true, cancelRequested: true }, { kind: 'query', outcome: paid }, succeed],
  ['query failed: fail with the wallet code', {}, { kind: 'query', outcome: declined }, { kind: 'fail', failureCode: 'insufficient_balance' }],
  ['query closed: close as expired', {}, { kind: 'query', outcome: closedAtWallet }, { kind: 'close', failureCode: 'payment_expired' }],
  ['query closed after the merchant cancelled: close as cancelled', { cancelRequested: true }, { kind: 'query', outcome: closedAtWallet }, { kind: 'close', failureCode: 'payment_cancelled' }],
  ['barcode query pending before the deadline: query again', {}, { kind: 'query', outcome: pending }, { kind: 'check_later', schedule: 'query', reason: null }],
  ['QR query pending before expiry: poll on the QR plan', { flow: 'qr' }, { kind: 'query', outcome: pending }, { kind: 'check_later', schedule: 'qr_poll', reason: null }],
  ['QR query not found (buyer has not scanned) before expiry: poll', { flow: 'qr' }, { kind: 'query', outcome: notFound }, { kind: 'check_later', schedule: 'qr_poll', reason: null }],
  ['a query that never left is like unknown', {}, { kind: 'query', outcome: refused }, { kind: 'check_later', schedule: 'query', reason: 'connect ECONNREFUSED' }],
  ['query unknown past the deadline: cancel', { pastDeadline: true }, { kind: 'query', outcome: unknown }, { kind: 'cancel' }],
  ['QR query pending past expiry: close at the wallet', { flow: 'qr', pastDeadline: true }, { kind: 'query', outcome: pending }, { kind: 'cancel' }],
  ['query never sent past the deadline: cancel, not fail', { pastDeadline: true }, { kind: 'query', outcome: refused }, { kind: 'cancel' }],
  ['once a cancel started, a query showing closed sends the cancel again', { cancelStarted: true }, { kind: 'query', outcome: closedAtWallet }, { kind: 'cancel' }],
  ['once a cancel started, a query showing paid sends the cancel again (it may reverse the payment)', { cancelStarted: true, pastDeadline: true }, { kind: 'query', outcome: paid }, { kind: 'cancel' }],
  // The answer to a cancel (barcode) or close (QR).
  ['cancel confirmed at the deadline: close as expired', { cancelStarted: true, pastDeadline: true }, { kind: 'cancel', outcome: { kind: 'cancelled' } }, { kind: 'close', failureCode: 'payment_expired' }],
  ['cancel confirmed after the merchant asked: close as cancelled', { cancelStarted: true, cancelRequested: true, pastDeadline: true }, { kind: 'cancel', outcome: { kind: 'cancelled' } }, { kind: 'close', failureCode: 'payment_cancelled' }],
  ['cancel answered paid: confirm the payment', { cancelStarted: true, pastDeadline: true }, { kind: 'cancel', outcome: { kind: 'paid' } }, { kind: 'confirm_paid' }],
  ['cancel answered paid after the merchant asked: still confirm', { cancelStarted: true, cancelRequested: true }, { kind: 'cancel', outcome: { kind: 'paid' } }, { kind: 'confirm_paid' }],
  ['cancel asks to retry: back off', { cancelStarted: true, pastDeadline: true }, { kind: 'cancel', outcome: { kind: 'retry', reason: 'retry_flag=Y' } }, { kind: 'check_later', schedule: 'cancel_backoff', reason: 'retry_flag=Y' }],
  ['cancel never sent: back off and send it again', { cancelStarted: true, pastDeadline: true }, { kind: 'cancel', outcome: { kind: 'not_sent', reason: 'ENOTFOUND' } }, { kind: 'check_later', schedule: 'cancel_backoff', reason: 'ENOTFOUND' }],
  ['QR close confirmed at expiry: close as expired', { flow: 'qr', cancelStarted: true, pastDeadline: true }, { kind: 'cancel', outcome: { kind: 'cancelled' } }, { kind: 'close', failureCode: 'payment_expired' }],
  // The answer to the QR order creation.
  ['QR order created: show the wallet\'s code', { flow: 'qr' }, { kind: 'create_qr', outcome: { kind: 'created', qrCode: 'https://qr.alipay.com/bax1' } }, { kind: 'show_qr', qrCode: 'https://qr.alipay.com/bax1' }],
  ['QR order refused: fail as failed_processing', { flow: 'qr' }, { kind: 'create_qr', outcome: { kind: 'failed', walletCode: 'INVALID_PARAMETER', message: 'bad' } }, { kind: 'fail', failureCode: 'failed_processing' }],
  ['QR order unknown: it may exist, so query later', { flow: 'qr' }, { kind: 'create_qr', outcome: { kind: 'unknown', reason: 'timeout' } }, { kind: 'check_later', schedule: 'query', reason: 'timeout' }],
  ['QR order never sent: nothing exists, fail as wallet_unavailable', { flow: 'qr' }, { kind: 'create_qr', outcome: { kind: 'not_sent', reason: 'ECONNREFUSED' } }, { kind: 'fail', failureCode: 'wallet_unavailable' }],
];

describe('decidePayment: named cases', () => {
  it.each(CASES)('%s', (_name, changes, seen, expected) => {
    expect(decidePayment({ ...base, ...changes }, seen)).toEqual(expected);
  });
});

/** The succeed action a wallet's `succeeded` answer calls for: its transaction, paid time and buyer as given. */
function succeedWith(outcome: Extract<PaymentOutcome, { kind: 'succeeded' }>) {
  const buyer = { ...(outcome.buyerAccount ? { buyerAccount: outcome.buyerAccount } : {}), ...(outcome.buyerId ? { buyerId: outcome.buyerId } : {}) };
  return { kind: 'succeed', walletTransactionId: outcome.walletTransactionId, paidAt: outcome.paidAt, ...buyer };
}

describe('succeedAfterCancelSaidPaid', () => {
  it('succeeds with the transaction when the query shows it', () => {
    expect(succeedAfterCancelSaidPaid(paid)).toEqual(succeed);
  });

  it('succeeds without a transaction whatever else the query says (the cancel already said paid)', () => {
    fc.assert(fc.property(fc.oneof(...Object.values(paymentOutcomes)), (outcome) => {
      const action = succeedAfterCancelSaidPaid(outcome);
      if (outcome.kind === 'succeeded') expect(action).toEqual(succeedWith(outcome));
      else expect(action).toEqual({ kind: 'succeed', walletTransactionId: null, paidAt: null });
    }));
  });
});

describe('closeReason', () => {
  it('is payment_cancelled when the merchant asked, payment_expired otherwise', () => {
    expect(closeReason({ cancelRequested: true })).toBe('payment_cancelled');
    expect(closeReason({ cancelRequested: false })).toBe('payment_expired');
  });
});
