import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import pino, { type Logger } from 'pino';
import { type Connector, SecretBox, type Wallet } from '@counterpay/core';
import { createConnectors } from '@counterpay/connectors';
import type { DatabaseHandle, DatabaseKind } from '@counterpay/db';
import type { GatewayConfig } from './config.ts';
import { GatewayMetrics, countingDeliveryOutcomes } from './metrics.ts';
import { omiseNotification } from './dialects/omise/omise-notification.ts';
import { pingPongNotification } from './dialects/pingpong/pingpong-notification.ts';
import { scanForPayNotification } from './dialects/scanforpay/scanforpay-notification.ts';
import { DashboardService } from './dashboard/dashboard-service.ts';
import { DashboardSessions } from './dashboard/dashboard-sessions.ts';
import { type CreateMerchantInput, type MerchantCredentials, MerchantService } from './merchants/merchant-service.ts';
import { DeliveryWorker } from './notifications/delivery-worker.ts';
import { DialectEvents } from './notifications/dialect-events.ts';
import { NotificationFormats } from './notifications/format-registry.ts';
import { NotificationService } from './notifications/notification-service.ts';
import { ChangeFeed } from './payments/change-feed.ts';
import { PaymentActions } from './payments/payment-actions.ts';
import { PaymentService } from './payments/payment-service.ts';
import { QrPaymentService } from './payments/qr-payment-service.ts';
import { RefundService } from './payments/refund-service.ts';
import { LateSuccessGuard } from './late-success/late-success-guard.ts';
import { ReconciliationService } from './reconciliation/reconciliation-service.ts';
import { WalletGateway } from './payments/wallet-gateway.ts';
import { BacklogRepository } from './repositories/backlog-repository.ts';
import { createRepositories } from './repositories/repositories.ts';
import { WalletAccounts } from './wallets/wallet-accounts.ts';
import { WalletNotificationService } from './wallets/wallet-notification-service.ts';
import { Resolver } from './workers/resolver.ts';
import { WorkerLoop } from './workers/worker-loop.ts';

/** What the APIs and the command line use; each route plugin takes only the services it needs. */
export interface Services {
  config: GatewayConfig;
  databaseKind: DatabaseKind;
  /** Where the data lives (a file, or the PostgreSQL server and schema), for banners. */
  databaseLocation: string;
  merchants: MerchantService;
  payments: PaymentService;
  qrPayments: QrPaymentService;
  refunds: RefundService;
  walletAccounts: WalletAccounts;
  walletNotifications: WalletNotificationService;
  notifications: NotificationService;
  dialectEvents: DialectEvents;
  workers: Array<WorkerLoop<any>>;
  /** Committed changes in this process (the start command prints payment and refund outcomes from it). */
  feed: ChangeFeed;
  /** This instance's Prometheus metrics (GET /metrics). */
  metrics: GatewayMetrics;
  /** The merchant dashboard's reads and actions, and its sign-ins. */
  dashboard: DashboardService;
  dashboardSessions: DashboardSessions;
  /** The late-success guard: money a wallet took for a closed or failed payment is refunded (or accepted). */
  lateSuccess: LateSuccessGuard;
  /** Daily wallet statements matched with our records (its worker is in `workers`). */
  reconciliation: ReconciliationService;
}

/** The composition root: the only place that knows every part; builds each once, from the config and an open database. */
export function createServices(config: GatewayConfig, database: DatabaseHandle, log: Logger, connectors?: Record<Wallet, Connector>, lateSuccess?: LateSuccessGuard): Services {
  const box = new SecretBox(config.masterKey);
  const instanceId = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  // Each dialect registers its own notification format; notifications know only the interface. The
  // repositories plan each event's deliveries by the event types the formats send.
  const formats = new NotificationFormats().register(pingPongNotification).register(scanForPayNotification).register(omiseNotification);
  const repos = createRepositories(database, box, instanceId, formats);
  const metrics = new GatewayMetrics(new BacklogRepository(database));
  const feed = new ChangeFeed();
  const walletConnectors = connectors ?? connectorsFor(config);
  const walletAccounts = new WalletAccounts(repos.walletAccounts, box, config.simUrl, walletConnectors);
  const wallets = new WalletGateway(walletConnectors, walletAccounts, repos.walletCalls, metrics);
  const actions = new PaymentActions(repos.payments, repos.tasks, feed, config, metrics);
  const payments = new PaymentService(repos.payments, repos.tasks, repos.idempotencyKeys, wallets, actions, feed, config);
  const qrPayments = new QrPaymentService(repos.payments, repos.tasks, wallets, payments, actions, config);
  const refunds = new RefundService(repos.refunds, repos.payments, repos.tasks, repos.idempotencyKeys, wallets, feed, config, metrics);
  const lateSuccessGuard = new LateSuccessGuard(repos.lateSuccess, refunds, wallets, feed, config, log);
  actions.lateSuccess = lateSuccessGuard;
  const resolver = new Resolver(repos.payments, repos.tasks, wallets, actions, refunds, log, lateSuccessGuard, config.lateCheckDelaysMs);
  const notifications = new NotificationService(repos.webhookEndpoints, repos.events, repos.deliveries, formats);
  // A late success a statement shows goes to the late-success guard (refunded or accepted by the merchant's policy).
  const reconciliation = new ReconciliationService(repos.reconciliation, wallets, payments, config.reconciliation, log, lateSuccess ?? lateSuccessGuard);
  const deliveries = new DeliveryWorker({ deliveries: countingDeliveryOutcomes(repos.deliveries, (outcome) => metrics.delivery(outcome)), events: repos.events, endpoints: repos.webhookEndpoints }, formats, config, instanceId, log);
  const workers = [
    new WorkerLoop(
      { name: 'resolver', tickMs: config.workerTickMs, concurrency: 64, wake: feed.emitter },
      (limit) => repos.tasks.claimDue({ kinds: ['payment', 'refund', 'late_check'], limit, leaseMs: config.leaseMs }),
      (task) => resolver.run(task),
      log,
    ),
    new WorkerLoop(
      { name: 'notifier', tickMs: config.workerTickMs, concurrency: 32, wake: feed.emitter },
      (limit) => deliveries.claim(limit),
      (delivery) => deliveries.deliver(delivery),
      log,
    ),
    new WorkerLoop(
      { name: 'reconciliation', tickMs: Math.max(config.workerTickMs, 1000), concurrency: 2 },
      // A day's statement can take a while: a longer lease than a resolver step's.
      (limit) => reconciliation.claimDue(limit, Math.max(config.leaseMs, 300_000)),
      (run) => reconciliation.work(run),
      log,
    ),
  ];
  const merchants = new MerchantService(repos.merchants, box);
  return {
    config,
    databaseKind: database.kind,
    databaseLocation: database.location,
    merchants,
    payments,
    qrPayments,
    refunds,
    walletAccounts,
    walletNotifications: new WalletNotificationService(wallets, walletAccounts, repos.payments, payments, lateSuccessGuard),
    notifications,
    dialectEvents: new DialectEvents(repos.events),
    workers,
    feed,
    metrics,
    dashboard: new DashboardService(repos.dashboard, payments, refunds, notifications, walletAccounts, merchants),
    dashboardSessions: new DashboardSessions(repos.dashboardSessions, merchants, repos.merchants),
    lateSuccess: lateSuccessGuard,
    reconciliation,
  };
}

/** The connectors; an account without an endpoint of its own talks to the simulator (test mode's default). */
function connectorsFor(config: GatewayConfig): Record<Wallet, Connector> {
  // Alipay's barcode pay carries notify_url too: a buyer who pays after the cancel (a late success) is then reported at once.
  return createConnectors({
    alipayGatewayUrl: `${config.simUrl}/gateway.do`,
    wechatBaseUrl: config.simUrl,
    timeoutMs: config.walletTimeoutMs,
    notifyUrl: (wallet) => `${config.publicUrl}/wallet-notify/${wallet}`,
  });
}

/** A merchant's wallet accounts in a database with no gateway running (`counterpay wallets connect|list`). */
export function walletAccountsFor(database: DatabaseHandle, config: GatewayConfig): WalletAccounts {
  const box = new SecretBox(config.masterKey);
  return new WalletAccounts(createRepositories(database, box, 'wallets').walletAccounts, box, config.simUrl, connectorsFor(config));
}

/** Creates a merchant in a database with no gateway running (`counterpay merchants create`, tests). */
export function createMerchant(database: DatabaseHandle, masterKey: string, input: CreateMerchantInput): Promise<MerchantCredentials> {
  const box = new SecretBox(masterKey);
  return new MerchantService(createRepositories(database, box, 'merchants-create').merchants, box).createMerchant(input);
}

/**
 * Daily reconciliation over a database with no gateway running (`counterpay reconcile --merchant`): it
 * downloads and matches the statements here; the repairs it schedules are done by the running gateway's resolver.
 */
export function reconciliationFor(database: DatabaseHandle, config: GatewayConfig): ReconciliationService {
  return createServices({ ...config, runWorkers: false }, database, pino({ level: 'silent' })).reconciliation;
}
