import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { type Connector, SecretBox, type Wallet } from '@counterpay/core';
import { createConnectors } from '@counterpay/connectors';
import type { DatabaseHandle } from '@counterpay/db';
import type { GatewayConfig } from './config.ts';
import { PaymentService } from './payments/payment-service.ts';
import { PaymentStore } from './payments/payment-store.ts';
import { QrPaymentService } from './payments/qr-payment-service.ts';
import { RefundService } from './payments/refund-service.ts';
import { WalletGateway } from './payments/wallet-gateway.ts';
import { WalletAccounts } from './wallets/wallet-accounts.ts';
import { Resolver } from './workers/resolver.ts';
import { WorkerLoop } from './workers/worker-loop.ts';
import { claimDueTasks } from './workers/task-claims.ts';
import { claimDueDeliveries } from './notifications/delivery-claims.ts';
import { DeliveryWorker } from './notifications/delivery-worker.ts';
import { NotificationService } from './notifications/notification-service.ts';

export interface Services {
  config: GatewayConfig;
  database: DatabaseHandle;
  box: SecretBox;
  store: PaymentStore;
  payments: PaymentService;
  refunds: RefundService;
  qrPayments: QrPaymentService;
  connectors: Record<Wallet, Connector>;
  walletAccounts: WalletAccounts;
  notifications: NotificationService;
  workers: Array<WorkerLoop<any>>;
}

/** The composition root: builds every service once, from the config and an open database. */
export function createServices(config: GatewayConfig, database: DatabaseHandle, log: Logger, connectors?: Record<Wallet, Connector>): Services {
  const box = new SecretBox(config.masterKey);
  const instanceId = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  const store = new PaymentStore(database.db, database.kind, instanceId);
  const walletConnectors =
    connectors ??
    createConnectors({
      alipayGatewayUrl: `${config.simUrl}/gateway.do`,
      wechatBaseUrl: config.simUrl,
      timeoutMs: config.walletTimeoutMs,
    });
  const walletAccounts = new WalletAccounts(database.db, box, config.simUrl);
  const wallets = new WalletGateway(walletConnectors, walletAccounts, store);
  const payments = new PaymentService(store, wallets, config);
  const qrPayments = new QrPaymentService(store, wallets, payments, config);
  const refunds = new RefundService(store, wallets, config);
  const resolver = new Resolver(store, wallets, payments, refunds, config, log);
  const notifications = new NotificationService(database.db, box);
  const deliveries = new DeliveryWorker(database.db, box, config, log);
  const workers = [
    new WorkerLoop(
      { name: 'resolver', tickMs: config.workerTickMs, concurrency: 64, wake: store.changes },
      (limit) => claimDueTasks(database.db, database.kind, { owner: instanceId, kinds: ['payment', 'refund'], limit, leaseMs: config.leaseMs }),
      (task) => resolver.run(task),
      log,
    ),
    new WorkerLoop(
      { name: 'notifier', tickMs: config.workerTickMs, concurrency: 32, wake: store.changes },
      (limit) => claimDueDeliveries(database.db, database.kind, { owner: instanceId, limit, leaseMs: config.notifyTimeoutMs + 5000 }),
      (delivery) => deliveries.deliver(delivery),
      log,
    ),
  ];
  return { config, database, box, store, payments, refunds, qrPayments, connectors: walletConnectors, walletAccounts, notifications, workers };
}
