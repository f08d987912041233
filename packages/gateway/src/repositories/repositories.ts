import type { SecretBox } from '@counterpay/core';
import type { DatabaseHandle } from '@counterpay/db';
import { DashboardRepository } from './dashboard-repository.ts';
import { DashboardSessionRepository } from './dashboard-session-repository.ts';
import { DeliveryRepository } from './delivery-repository.ts';
import { type DeliveryRules, SEND_EVERY_EVENT } from './event-outbox.ts';
import { EventRepository } from './event-repository.ts';
import { IdempotencyKeyRepository } from './idempotency-keys.ts';
import { LateSuccessRepository } from './late-success-repository.ts';
import { MerchantRepository } from './merchant-repository.ts';
import { PaymentRepository } from './payment-repository.ts';
import { ReconciliationRepository } from './reconciliation-repository.ts';
import { RefundRepository } from './refund-repository.ts';
import { TaskRepository } from './task-repository.ts';
import { WalletAccountRepository } from './wallet-account-repository.ts';
import { WalletCallRepository } from './wallet-call-repository.ts';
import { WebhookEndpointRepository } from './webhook-endpoint-repository.ts';

/** Every repository over one database; the database handle goes no further than this. */
export interface Repositories {
  payments: PaymentRepository;
  refunds: RefundRepository;
  tasks: TaskRepository;
  idempotencyKeys: IdempotencyKeyRepository;
  merchants: MerchantRepository;
  walletAccounts: WalletAccountRepository;
  walletCalls: WalletCallRepository;
  events: EventRepository;
  deliveries: DeliveryRepository;
  webhookEndpoints: WebhookEndpointRepository;
  dashboard: DashboardRepository;
  dashboardSessions: DashboardSessionRepository;
  lateSuccess: LateSuccessRepository;
  reconciliation: ReconciliationRepository;
}

/**
 * `box` seals the secrets repositories store (webhook endpoint secrets); `deliveryRules` (the
 * notification formats) say which events each target of a status change's event gets.
 */
export function createRepositories(database: DatabaseHandle, box: SecretBox, instanceId: string, deliveryRules: DeliveryRules = SEND_EVERY_EVENT): Repositories {
  const { db, kind } = database;
  return {
    payments: new PaymentRepository(db, kind, instanceId, deliveryRules),
    refunds: new RefundRepository(db, kind, instanceId, deliveryRules),
    tasks: new TaskRepository(db, kind, instanceId),
    idempotencyKeys: new IdempotencyKeyRepository(db),
    merchants: new MerchantRepository(db),
    walletAccounts: new WalletAccountRepository(db),
    walletCalls: new WalletCallRepository(db, instanceId),
    events: new EventRepository(db),
    deliveries: new DeliveryRepository(db, kind),
    webhookEndpoints: new WebhookEndpointRepository(db, box),
    dashboard: new DashboardRepository(db),
    dashboardSessions: new DashboardSessionRepository(db),
    lateSuccess: new LateSuccessRepository(db, kind, instanceId, deliveryRules),
    reconciliation: new ReconciliationRepository(db, kind, instanceId, deliveryRules),
  };
}
