import type { Logger } from 'pino';
import { CounterpayError, NotFoundError, isRefundable, type StatementLine, type StatementOutcome, WALLETS, type Wallet } from '@counterpay/core';
import type { PaymentService } from '../payments/payment-service.ts';
import type { WalletGateway } from '../payments/wallet-gateway.ts';
import type { ReconciliationRepository, ReconciliationRunRow, ReportListFilter, RunKey } from '../repositories/reconciliation-repository.ts';
import type { MerchantScope } from '../repositories/scope.ts';
import { chinaDayBounds, chinaDayOf, chinaHourOf, shiftDate } from './china-day.ts';
import { type FoundDifference, type Repair, matchStatement } from './match-statement.ts';
import { type ReconciliationReportObject, type ReportDifference, buildReport } from './report-view.ts';

/** The late-success guard's answer about money a statement shows taken for a payment counterpay closed or failed. */
export type LateSuccessAnswer = 'refunded' | 'accepted' | 'already_handled' | 'not_late';

/** The late-success guard as reconciliation calls it (services.lateSuccess once it exists). */
export interface LateSuccessGuard {
  found(paymentId: string, seen: { walletTransactionId: string; amount: number; paidAt: Date; source: 'statement' }): Promise<LateSuccessAnswer>;
}

export interface ReconciliationSettings {
  /** China hour after which the wallets publish yesterday's statement (RECONCILE_AFTER_HOUR). */
  afterHour: number;
  /** Wait before asking again for a statement not published yet (RECONCILE_RETRY_S). */
  retryMs: number;
  /**
   * Hours past the publishing hour after which "not published" means a day without trades (WeChat Pay
   * answers No Bill Exist for both): only then is an empty report written (RECONCILE_EMPTY_AFTER_HOURS).
   */
  emptyAfterHours: number;
}

const statementNotPublished = (wallet: Wallet, date: string) =>
  new CounterpayError(
    'invalid_request_error',
    'statement_not_published',
    `${wallet === 'alipay' ? 'Alipay' : 'WeChat Pay'} has not published its statement for ${date} yet (the wallets publish a day's statement the next morning, China time). Try again later.`,
    409,
    'date',
  );

type RunResult = { kind: 'report'; report: ReconciliationReportObject } | { kind: 'not_published' } | { kind: 'retry'; reason: string };

/**
 * Daily reconciliation: downloads a merchant's wallet statement of a China day, matches it with our
 * payments and refunds, repairs what is safe (a processing payment the wallet shows paid goes to the
 * resolver now; a late success to the late-success guard), books the wallet fees, and stores the report
 * with its `reconciliation.completed` event. The scheduler runs yesterday's for every account.
 */
export class ReconciliationService {
  #nextSchedule = 0;

  constructor(
    private readonly repo: ReconciliationRepository,
    private readonly wallets: WalletGateway,
    private readonly payments: PaymentService,
    private readonly settings: ReconciliationSettings,
    private readonly log: Logger,
    private readonly lateSuccess?: LateSuccessGuard,
  ) {}

  /**
   * Runs a day now for a merchant (`POST /v1/reconciliation_reports`, the CLI): the given wallet, or every
   * wallet it has an account on. A wallet whose statement is not published is skipped unless it was asked
   * for by name; when none is published the answer is 409 `statement_not_published`.
   */
  async runNow(scope: MerchantScope, date: string, wallet?: Wallet): Promise<ReconciliationReportObject[]> {
    const accounts = await this.repo.walletsOf(scope);
    const wallets = wallet ? [wallet] : accounts.length > 0 || scope.livemode ? accounts : [...WALLETS];
    const reports: ReconciliationReportObject[] = [];
    let firstMissing: Wallet | null = null;
    for (const w of wallets) {
      const result = await this.runOne({ merchantId: scope.merchantId, livemode: scope.livemode, wallet: w, date });
      if (result.kind === 'report') reports.push(result.report);
      else if (result.kind === 'not_published') firstMissing ??= w;
      else throw new CounterpayError('wallet_error', 'wallet_unavailable', `${w === 'alipay' ? 'Alipay' : 'WeChat Pay'}'s statement for ${date} could not be read (${result.reason}). Try again later.`, 502);
    }
    if (firstMissing && (wallet || reports.length === 0)) throw statementNotPublished(firstMissing, date);
    return reports;
  }

  /** One wallet's day: download, match, repair, book, store. A statement not there yet changes nothing. */
  async runOne(key: RunKey, opts: { now?: Date } = {}): Promise<RunResult> {
    const now = opts.now ?? new Date();
    let outcome: StatementOutcome;
    try {
      outcome = await this.wallets.call({ merchantId: key.merchantId, livemode: key.livemode, wallet: key.wallet }, (c, ctx) => c.downloadStatement(ctx, key.date));
    } catch (error) {
      return { kind: 'retry', reason: (error as Error).message };
    }
    if (outcome.kind === 'not_published') {
      if (!this.#publishedLongAgo(key.date, now)) return { kind: 'not_published' };
      outcome = { kind: 'published', date: key.date, lines: [] };
    }
    if (outcome.kind !== 'published') return { kind: 'retry', reason: outcome.kind === 'failed' ? `${outcome.walletCode}: ${outcome.message}` : outcome.reason };
    return { kind: 'report', report: await this.#reconcile(key, outcome.lines, now) };
  }

  async #reconcile(key: RunKey, lines: StatementLine[], now: Date): Promise<ReconciliationReportObject> {
    const { start, end } = chinaDayBounds(key.date);
    const payments = await this.repo.paymentsFor(key, start, end, [...new Set(lines.map((l) => l.outTradeNo))]);
    const refunds = await this.repo.refundsFor(key, start, end, lines.flatMap((l) => (l.outRefundNo ? [l.outRefundNo] : [])));
    const match = matchStatement({
      date: key.date,
      wallet: key.wallet,
      lines,
      payments: payments.map((p) => ({ id: p.id, status: p.status, amount: p.amount, currency: p.currency, store_id: p.store_id, paid_at: p.paid_at })),
      refunds,
    });
    await this.repo.bookFees(match.fees);
    const differences: ReportDifference[] = [];
    for (const d of match.differences) {
      const { wants: _wants, line: _line, ...shown } = d;
      differences.push({ ...shown, repair: await this.#repair(key, d, d.line === null ? undefined : lines[d.line]) });
    }
    const head = { date: key.date, merchant: key.merchantId, livemode: key.livemode, wallet: key.wallet };
    const report = (await this.repo.saveReport(key, (id) => ({ ...buildReport(id, head, match, differences, now) }), now)) as unknown as ReconciliationReportObject;
    this.log.info({ merchant: key.merchantId, wallet: key.wallet, date: key.date, matched: report.matched, differences: differences.length }, 'reconciliation completed');
    return report;
  }

  /** Repairs only what is safe; a repair that fails is reported `none` (a person looks), never thrown. */
  async #repair(key: RunKey, d: FoundDifference, line: StatementLine | undefined): Promise<Repair> {
    if (d.wants === 'none' || !d.payment) return 'none';
    const scope = { merchantId: key.merchantId, livemode: key.livemode };
    try {
      if (d.wants === 'settle') {
        // The resolver queries the wallet now and settles it through the state machine.
        const payment = await this.payments.findPayment(scope, d.payment);
        if (!payment) return 'none';
        await this.payments.checkNow(payment);
        return 'settled';
      }
      if (!this.lateSuccess || !line) return 'none';
      const answer = await this.lateSuccess.found(d.payment, { walletTransactionId: line.walletTradeNo, amount: line.amount, paidAt: line.at, source: 'statement' });
      if (answer === 'refunded') return 'refunded';
      if (answer === 'accepted') return 'settled';
      if (answer === 'already_handled') {
        const payment = await this.payments.findPayment(scope, d.payment);
        // Accepted earlier (the payment is paid now) or refunded earlier.
        return payment && isRefundable(payment) ? 'settled' : 'refunded';
      }
      return 'none';
    } catch (error) {
      this.log.warn({ err: error, payment: d.payment, kind: d.kind }, 'reconciliation repair failed; reported for a person');
      return 'none';
    }
  }

  #publishedLongAgo(date: string, now: Date): boolean {
    const published = Date.parse(`${shiftDate(date, 1)}T00:00:00+08:00`) + this.settings.afterHour * 3600_000;
    return now.getTime() >= published + this.settings.emptyAfterHours * 3600_000;
  }

  /** Schedules yesterday's (China time) runs for every merchant, mode and wallet with an account, once its hour has come. */
  async scheduleDue(now = new Date()): Promise<void> {
    if (chinaHourOf(now) < this.settings.afterHour) return;
    const yesterday = shiftDate(chinaDayOf(now), -1);
    for (const account of await this.repo.accounts()) {
      await this.repo.ensureRun({ merchantId: account.merchant_id, livemode: account.livemode === 1, wallet: account.wallet, date: yesterday }, now, now);
    }
  }

  /** Schedules one run now (tests, or a merchant's catch-up of a missed day). */
  enqueue(key: RunKey, now = new Date()): Promise<void> {
    return this.repo.ensureRun(key, now, now);
  }

  /** The worker's claim: schedules the day's runs (at most once a minute), then claims due ones with a lease. */
  async claimDue(limit: number, leaseMs: number, now = new Date()): Promise<Array<ReconciliationRunRow & { id: string }>> {
    if (now.getTime() >= this.#nextSchedule) {
      this.#nextSchedule = now.getTime() + 60_000;
      await this.scheduleDue(now);
    }
    const runs = await this.repo.claimDue(limit, leaseMs, now);
    return runs.map((run) => ({ ...run, id: `${run.merchant_id}/${run.livemode ? 'live' : 'test'}/${run.wallet}/${run.date}` }));
  }

  /** The worker's step for one claimed run: a statement not there yet is asked for again later, never reported empty. */
  async work(run: ReconciliationRunRow): Promise<void> {
    const key: RunKey = { merchantId: run.merchant_id, livemode: run.livemode === 1, wallet: run.wallet as Wallet, date: run.date };
    const result = await this.runOne(key);
    if (result.kind === 'report') return;
    const reason = result.kind === 'not_published' ? 'statement not published yet' : result.reason;
    await this.repo.retryLater(key, new Date(Date.now() + this.settings.retryMs), reason);
  }

  getRun(key: RunKey) {
    return this.repo.getRun(key);
  }

  async getReport(scope: MerchantScope, id: string): Promise<ReconciliationReportObject> {
    const row = await this.repo.getReport(scope, id);
    if (!row) throw new NotFoundError('reconciliation report', id, 'id');
    return JSON.parse(row.report) as ReconciliationReportObject;
  }

  async listReports(scope: MerchantScope, filter: ReportListFilter): Promise<{ data: ReconciliationReportObject[]; hasMore: boolean }> {
    const { data, hasMore } = await this.repo.listReports(scope, filter);
    return { data: data.map((row) => JSON.parse(row.report) as ReconciliationReportObject), hasMore };
  }
}
