import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connector, StatementOutcome } from '@counterpay/core';
import { type TestDatabase, openTestDatabase } from '@counterpay/db/test-databases';
import type { PaymentService } from '../payments/payment-service.ts';
import type { WalletGateway } from '../payments/wallet-gateway.ts';
import { insertMerchant } from '../repositories/notification-test-fixtures.ts';
import { ReconciliationRepository } from '../repositories/reconciliation-repository.ts';
import { ReconciliationService } from './reconciliation-service.ts';

/**
 * The scheduler and the "not published" rule, with a wallet whose statement answer the test sets:
 * yesterday's runs appear only after the publishing hour (China time), and a statement that is not
 * there is asked for again, never reported empty, until the day is long past.
 */
let t: TestDatabase;
let repo: ReconciliationRepository;
let answer: StatementOutcome = { kind: 'not_published' };
const asked: string[] = [];
const wallets = {
  call: async (_target: unknown, run: (c: Connector, ctx: unknown) => Promise<unknown>) =>
    run({ downloadStatement: async (_ctx: unknown, date: string) => (asked.push(date), answer) } as unknown as Connector, {}),
} as unknown as WalletGateway;
const service = () => new ReconciliationService(repo, wallets, {} as PaymentService, { afterHour: 10, retryMs: 60_000, emptyAfterHours: 12 }, pino({ level: 'silent' }));

beforeAll(async () => {
  t = await openTestDatabase('sqlite');
  repo = new ReconciliationRepository(t.handle.db, t.handle.kind, 'test-instance');
});
afterAll(async () => {
  await t?.cleanup();
});

describe('reconciliation scheduling', () => {
  it("schedules yesterday's run for every account once the publishing hour has come in China", async () => {
    const merchantId = await insertMerchant(t.handle.db);
    for (const wallet of ['alipay', 'wechat'] as const) {
      await t.handle.db
        .insertInto('wallet_accounts')
        .values({ merchant_id: merchantId, wallet, livemode: 0, endpoint: null, summary: '{}', credentials_ciphertext: 'x', created_at: '2026-03-01T00:00:00Z', updated_at: '2026-03-01T00:00:00Z' })
        .execute();
    }
    const runs = () => t.handle.db.selectFrom('reconciliation_runs').select(['wallet', 'date', 'state']).where('merchant_id', '=', merchantId).orderBy('wallet').execute();
    await service().scheduleDue(new Date('2026-03-11T01:59:59Z')); // 09:59:59 China time
    expect(await runs()).toEqual([]);
    await service().scheduleDue(new Date('2026-03-11T02:00:00Z')); // 10:00 China time
    await service().scheduleDue(new Date('2026-03-11T03:00:00Z')); // again: nothing new
    expect(await runs()).toEqual([
      { wallet: 'alipay', date: '2026-03-10', state: 'pending' },
      { wallet: 'wechat', date: '2026-03-10', state: 'pending' },
    ]);
  });

  it('asks again for a statement not published, and reads it as a day without trades only long after the publishing hour', async () => {
    const merchantId = await insertMerchant(t.handle.db);
    const key = { merchantId, livemode: false, wallet: 'wechat' as const, date: '2026-03-10' };
    answer = { kind: 'not_published' };
    expect(await service().runOne(key, { now: new Date('2026-03-11T02:30:00Z') })).toEqual({ kind: 'not_published' });
    expect(await service().runOne(key, { now: new Date('2026-03-11T13:59:00Z') })).toEqual({ kind: 'not_published' });
    answer = { kind: 'unknown', reason: 'wallet busy' };
    expect(await service().runOne(key, { now: new Date('2026-03-11T14:00:00Z') })).toEqual({ kind: 'retry', reason: 'wallet busy' });
    expect(await repo.listReports({ merchantId, livemode: false }, { limit: 10 })).toEqual({ data: [], hasMore: false });
    answer = { kind: 'not_published' };
    const empty = await service().runOne(key, { now: new Date('2026-03-11T14:00:00Z') }); // 10:00 + 12 h, China time
    expect(empty).toMatchObject({ kind: 'report', report: { date: '2026-03-10', matched: 0, differences: [], gross: 0, net: 0 } });
    expect(asked.filter((d) => d === '2026-03-10').length).toBeGreaterThanOrEqual(4);
  });

  it('lets the worker put a run back with its reason when the statement is not there', async () => {
    const merchantId = await insertMerchant(t.handle.db);
    const key = { merchantId, livemode: false, wallet: 'alipay' as const, date: new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10) };
    answer = { kind: 'not_published' };
    await service().enqueue(key);
    const [run] = (await service().claimDue(10, 30_000)).filter((r) => r.merchant_id === merchantId);
    expect(run).toBeDefined();
    await service().work(run!);
    const after = await repo.getRun(key);
    expect(after).toMatchObject({ state: 'pending', attempts: 1, lease_owner: null, last_error: 'statement not published yet', report_id: null });
    expect(Date.parse(after!.next_attempt_at)).toBeGreaterThan(Date.now() + 50_000);
  });
});
