import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { type PaymentStatus, type RefundStatus, type Wallet, type WalletCallRecord, isFinalPaymentStatus, isFinalRefundStatus } from '@counterpay/core';
import type { Backlog, BacklogRepository, DeliveryBacklog, TaskBacklog } from './repositories/backlog-repository.ts';

/** What a wallet call was for, whatever the wallet calls it (`alipay.trade.pay`, `/pay/micropay`). */
export type WalletOperation = 'pay' | 'create_qr' | 'query' | 'cancel' | 'close' | 'refund' | 'refund_query' | 'other';

/**
 * How a wallet call went, from the gateway's side: `answered` (the wallet answered, whatever it said,
 * refusals included), `timeout` (no answer in time), `not_sent` (the request never left), `error` (an
 * HTTP error status, a broken connection, an unreadable or unverifiable answer, or an exception).
 */
export type WalletCallOutcome = 'answered' | 'timeout' | 'not_sent' | 'error';

export type DeliveryOutcome = 'delivered' | 'retry' | 'failed';

/** Both wallets' request names (the wallet-call log's `method`), by operation. */
const OPERATIONS: Readonly<Record<string, WalletOperation>> = {
  'alipay.trade.pay': 'pay',
  'alipay.trade.precreate': 'create_qr',
  'alipay.trade.query': 'query',
  'alipay.trade.cancel': 'cancel',
  'alipay.trade.close': 'close',
  'alipay.trade.refund': 'refund',
  'alipay.trade.fastpay.refund.query': 'refund_query',
  '/pay/micropay': 'pay',
  '/pay/unifiedorder': 'create_qr',
  '/pay/orderquery': 'query',
  '/secapi/pay/reverse': 'cancel',
  '/pay/closeorder': 'close',
  '/secapi/pay/refund': 'refund',
  '/pay/refundquery': 'refund_query',
};

/** The operation label of a wallet request name; `other` for a name not in the table (labels stay bounded). */
export function walletOperation(method: string): WalletOperation {
  return Object.hasOwn(OPERATIONS, method) ? OPERATIONS[method]! : 'other';
}

/** The outcome label of one logged wallet call (see WalletCallOutcome). */
export function walletCallOutcome(call: Pick<WalletCallRecord, 'outcome' | 'error'>): WalletCallOutcome {
  if (call.outcome === 'not_sent') return 'not_sent';
  // No transport or trust problem, or WeChat Pay's return_code FAIL: the wallet read the request and answered.
  if (call.error === null || call.error.startsWith('return_code FAIL')) return 'answered';
  if (call.error.startsWith('no answer within')) return 'timeout';
  return 'error';
}

/** Where the business counters are fed from: the wallet gateway, payment actions, refunds, the notifier. */
export interface WalletCallMetrics {
  /** One HTTP request to a wallet, as the connector logged it. */
  walletCall(call: WalletCallRecord): void;
  /** A wallet call that threw before the connector logged any request. */
  walletCallFailed(wallet: Wallet, seconds: number): void;
}

const TASK_KINDS = ['payment', 'refund'] as const;

/**
 * The Prometheus metrics of one gateway instance: HTTP, business counters (payments and refunds by final
 * outcome, wallet call latency, notification deliveries) counted in this instance, and backlog gauges
 * read from the database at scrape time, so they agree across instances sharing a database.
 * Nothing here can fail a payment: every update and every backlog read swallows its own errors.
 */
export class GatewayMetrics implements WalletCallMetrics {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly httpErrors: Counter<'method' | 'route' | 'status'>;
  readonly #payments: Counter<'wallet' | 'flow' | 'outcome'>;
  readonly #refunds: Counter<'wallet' | 'outcome'>;
  readonly #walletCalls: Histogram<'wallet' | 'operation' | 'outcome'>;
  readonly #deliveries: Counter<'outcome'>;
  readonly #backlogErrors: Counter;
  /** The backlog read in flight: a scrape collects every gauge at once, and they share one read. */
  #backlogRead: Promise<Backlog | null> | null = null;

  constructor(private readonly backlog: BacklogRepository | null) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.httpDuration = new Histogram({
      name: 'counterpay_http_request_duration_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.httpErrors = new Counter({
      name: 'counterpay_http_errors_total',
      help: 'HTTP answers with status >= 400 by route and status',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.#payments = new Counter({
      name: 'counterpay_payments_total',
      help: 'Payments that reached a final status in this instance, by wallet (none: a one-for-all QR code no wallet opened), flow and outcome',
      labelNames: ['wallet', 'flow', 'outcome'],
      registers,
    });
    this.#refunds = new Counter({
      name: 'counterpay_refunds_total',
      help: 'Refunds that reached a final status in this instance, by wallet and outcome',
      labelNames: ['wallet', 'outcome'],
      registers,
    });
    this.#walletCalls = new Histogram({
      name: 'counterpay_wallet_call_duration_seconds',
      help: 'Duration of each HTTP request to a wallet, by wallet, operation and outcome (answered, timeout, not_sent, error)',
      labelNames: ['wallet', 'operation', 'outcome'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30],
      registers,
    });
    this.#deliveries = new Counter({
      name: 'counterpay_notification_deliveries_total',
      help: 'Notification delivery attempts made by this instance, by outcome (delivered, retry: failed and scheduled again, failed: given up)',
      labelNames: ['outcome'],
      registers,
    });
    this.#backlogErrors = new Counter({
      name: 'counterpay_backlog_read_errors_total',
      help: 'Scrapes whose backlog could not be read from the database (the backlog gauges are then NaN)',
      registers,
    });
    // Backlog gauges are set from one database read at every scrape; NaN when it failed (unknown, not 0).
    const metrics = this;
    const perKind = (name: string, help: string, pick: (tasks: TaskBacklog) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['kind'],
        registers,
        async collect() {
          const backlog = await metrics.#readBacklog();
          for (const kind of TASK_KINDS) this.set({ kind }, backlog ? pick(backlog.tasks[kind]) : Number.NaN);
        },
      });
    const single = (name: string, help: string, pick: (deliveries: DeliveryBacklog) => number) =>
      new Gauge({
        name,
        help,
        registers,
        async collect() {
          const backlog = await metrics.#readBacklog();
          this.set(backlog ? pick(backlog.deliveries) : Number.NaN);
        },
      });
    perKind('counterpay_resolver_tasks', 'Resolver tasks (payments and refunds whose outcome is not known yet), all instances, by kind', (t) => t.total);
    perKind('counterpay_resolver_tasks_due', 'Resolver tasks whose next check time has come, all instances, by kind', (t) => t.due);
    perKind('counterpay_resolver_oldest_due_task_age_seconds', 'How long the oldest due resolver task has been due, in seconds (0: none due), by kind', (t) => t.oldestDueAgeSeconds);
    single('counterpay_notification_backlog', 'Pending notification deliveries (not delivered, not given up), all instances', (d) => d.pending);
    single('counterpay_notification_backlog_due', 'Pending notification deliveries whose next attempt is due now, all instances', (d) => d.due);
    single('counterpay_notification_oldest_pending_age_seconds', 'Age of the oldest pending notification delivery since it was planned, in seconds (0: none pending)', (d) => d.oldestPendingAgeSeconds);
  }

  /** A payment whose status just became final (counted once: only the transition's winner calls this). */
  paymentFinal(payment: { wallet: Wallet | null; flow: string; status: PaymentStatus }): void {
    safely(() => {
      if (isFinalPaymentStatus(payment.status)) this.#payments.inc({ wallet: payment.wallet ?? 'none', flow: payment.flow, outcome: payment.status });
    });
  }

  /** A refund whose status just became final. */
  refundFinal(wallet: Wallet | null, status: RefundStatus): void {
    safely(() => {
      if (isFinalRefundStatus(status)) this.#refunds.inc({ wallet: wallet ?? 'none', outcome: status });
    });
  }

  walletCall(call: WalletCallRecord): void {
    safely(() => this.#walletCalls.observe({ wallet: call.wallet, operation: walletOperation(call.method), outcome: walletCallOutcome(call) }, call.latencyMs / 1000));
  }

  walletCallFailed(wallet: Wallet, seconds: number): void {
    safely(() => this.#walletCalls.observe({ wallet, operation: 'other', outcome: 'error' }, seconds));
  }

  delivery(outcome: DeliveryOutcome): void {
    safely(() => this.#deliveries.inc({ outcome }));
  }

  /** One database read shared by every backlog gauge of a scrape; null when it failed. */
  #readBacklog(): Promise<Backlog | null> {
    if (this.#backlogRead) return this.#backlogRead;
    if (!this.backlog) return Promise.resolve(null);
    const read = this.backlog
      .read()
      .catch(() => {
        safely(() => this.#backlogErrors.inc());
        return null;
      })
      .finally(() => {
        this.#backlogRead = null;
      });
    this.#backlogRead = read;
    return read;
  }
}

/**
 * Counts delivery outcomes where they are recorded: wraps the notifier's delivery repository so that
 * `markDelivered`, `scheduleRetry` and `markFailed` (after they succeed) count `delivered`, `retry` and
 * `failed`. Every other member passes through to the repository itself.
 */
export function countingDeliveryOutcomes<R extends { markDelivered: Fn; scheduleRetry: Fn; markFailed: Fn }>(repository: R, count: (outcome: DeliveryOutcome) => void): R {
  const outcomes: Record<string, DeliveryOutcome> = { markDelivered: 'delivered', scheduleRetry: 'retry', markFailed: 'failed' };
  return new Proxy(repository, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      const outcome = typeof property === 'string' && Object.hasOwn(outcomes, property) ? outcomes[property] : undefined;
      if (!outcome) return value.bind(target);
      return async (...args: unknown[]) => {
        const result: unknown = await value.apply(target, args);
        safely(() => count(outcome));
        return result;
      };
    },
  });
}

type Fn = (...args: never[]) => Promise<unknown>;

/** Serves GET /metrics and times every request. */
export function registerMetrics(app: FastifyInstance, metrics: GatewayMetrics): Registry {
  app.addHook('onResponse', async (request, reply) => {
    safely(() => {
      const labels = { method: request.method, route: request.routeOptions.url ?? 'unknown', status: String(reply.statusCode) };
      metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
      if (reply.statusCode >= 400) metrics.httpErrors.inc(labels);
    });
  });
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    void reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
  return metrics.registry;
}

/** A metric must never fail what it measures. */
function safely(update: () => void): void {
  try {
    update();
  } catch {
    // swallowed: see above
  }
}
