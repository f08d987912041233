import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretBox } from '@counterpay/core';
import { type TestDatabase, openTestDatabase, testDatabaseKinds } from '@counterpay/db/test-databases';
import { DeliveryRepository } from './delivery-repository.ts';
import { appendEvent } from './event-outbox.ts';
import { insertDialectCredential, insertMerchant, insertPayment, paymentEvent } from './notification-test-fixtures.ts';
import type { MerchantScope } from './scope.ts';
import { WebhookEndpointRepository } from './webhook-endpoint-repository.ts';

const box = new SecretBox('endpoint-test-key');

for (const kind of await testDatabaseKinds()) {
  describe(`webhook endpoint repository on ${kind}`, () => {
    let t: TestDatabase;
    let endpoints: WebhookEndpointRepository;
    let deliveries: DeliveryRepository;
    beforeAll(async () => {
      t = await openTestDatabase(kind);
      endpoints = new WebhookEndpointRepository(t.handle.db, box);
      deliveries = new DeliveryRepository(t.handle.db, t.handle.kind);
    });
    afterAll(async () => {
      await t?.cleanup();
    });

    const db = () => t.handle.db;
    async function scopes(): Promise<{ test: MerchantScope; live: MerchantScope; other: MerchantScope }> {
      const merchantId = await insertMerchant(db());
      return { test: { merchantId, livemode: false }, live: { merchantId, livemode: true }, other: { merchantId: await insertMerchant(db(), 'Other Shop'), livemode: false } };
    }
    const create = (scope: MerchantScope, url = 'https://shop.example/hook', secret = 'whsec_first') => endpoints.create(scope, { url, eventTypes: ['payment.succeeded'], secret });

    it('should create an endpoint in the scope\'s mode with its secret sealed at rest', async () => {
      const { live } = await scopes();
      const created = await create(live);
      expect(created).toMatchObject({ id: expect.stringMatching(/^we_/), merchantId: live.merchantId, livemode: true, url: 'https://shop.example/hook', eventTypes: ['payment.succeeded'], status: 'enabled' });
      expect(await endpoints.get(live, created.id)).toEqual(created);
      const row = await db().selectFrom('webhook_endpoints').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow();
      expect(row.livemode).toBe(1);
      expect(row.secret_ciphertext).not.toContain('whsec_first');
      expect(box.open(row.secret_ciphertext)).toBe('whsec_first');
      expect(await endpoints.signingSecrets(created.id)).toEqual(['whsec_first']);
    });

    it('should show, change and delete an endpoint only in its own merchant and mode', async () => {
      const { test, live, other } = await scopes();
      const testEndpoint = await create(test, 'https://shop.example/test');
      const liveEndpoint = await create(live, 'https://shop.example/live');
      expect((await endpoints.list(test)).map((e) => e.id)).toEqual([testEndpoint.id]);
      expect((await endpoints.list(live)).map((e) => e.id)).toEqual([liveEndpoint.id]);
      expect(await endpoints.list(other)).toEqual([]);
      expect(await endpoints.get(test, liveEndpoint.id)).toBeNull();
      expect(await endpoints.get(other, testEndpoint.id)).toBeNull();
      expect(await endpoints.update(test, liveEndpoint.id, { url: 'https://evil.example/' })).toBeNull();
      expect(await endpoints.rotateSecret(test, liveEndpoint.id, 'whsec_evil', new Date(Date.now() + 60_000))).toBeNull();
      expect(await endpoints.delete(test, liveEndpoint.id)).toBe(false);
      expect(await endpoints.get(live, liveEndpoint.id)).toMatchObject({ url: 'https://shop.example/live', status: 'enabled' });
      expect(await endpoints.signingSecrets(liveEndpoint.id)).toEqual(['whsec_first']);
    });

    it('should update url, event types and status', async () => {
      const { test } = await scopes();
      const created = await create(test);
      const updated = await endpoints.update(test, created.id, { url: 'https://shop.example/new', eventTypes: ['*'], status: 'disabled' }, new Date('2030-01-01T00:00:00.000Z'));
      expect(updated).toMatchObject({ url: 'https://shop.example/new', eventTypes: ['*'], status: 'disabled', updatedAt: '2030-01-01T00:00:00.000Z', createdAt: created.createdAt });
      expect(await endpoints.update(test, created.id, { status: 'enabled' })).toMatchObject({ url: 'https://shop.example/new', status: 'enabled' });
    });

    it('should keep the previous secret signing beside the new one until the overlap ends', async () => {
      const { test } = await scopes();
      const created = await create(test);
      const now = new Date();
      const until = new Date(now.getTime() + 3600_000);
      expect(await endpoints.rotateSecret(test, created.id, 'whsec_second', until, now)).toMatchObject({ id: created.id });
      expect(await endpoints.signingSecrets(created.id, now)).toEqual(['whsec_second', 'whsec_first']);
      expect(await endpoints.signingSecrets(created.id, new Date(until.getTime() + 1))).toEqual(['whsec_second']);
      await endpoints.rotateSecret(test, created.id, 'whsec_third', until, now);
      expect(await endpoints.signingSecrets(created.id, now)).toEqual(['whsec_third', 'whsec_second']);
      expect(await endpoints.signingSecrets('we_unknown')).toBeNull();
    });

    it('should mark an enabled endpoint failing, leave a disabled one disabled, and clear failing after a replay', async () => {
      const { test } = await scopes();
      const enabled = await create(test);
      const disabled = await create(test);
      await endpoints.update(test, disabled.id, { status: 'disabled' });
      await endpoints.markFailing(enabled.id);
      await endpoints.markFailing(disabled.id);
      expect((await endpoints.get(test, enabled.id))!.status).toBe('failing');
      expect((await endpoints.get(test, disabled.id))!.status).toBe('disabled');
      await endpoints.clearFailing(enabled.id);
      await endpoints.clearFailing(disabled.id);
      expect((await endpoints.get(test, enabled.id))!.status).toBe('enabled');
      expect((await endpoints.get(test, disabled.id))!.status).toBe('disabled');
    });

    it('should stop the pending deliveries of a deleted endpoint and keep the delivered ones', async () => {
      const { test } = await scopes();
      const created = await create(test);
      const first = await appendEvent(db(), paymentEvent(await insertPayment(db(), test.merchantId)));
      const second = await appendEvent(db(), paymentEvent(await insertPayment(db(), test.merchantId)));
      const [delivered] = await deliveries.listForEvent(first);
      await deliveries.markDelivered(delivered!.id, 1, new Date());
      expect(await endpoints.delete(test, created.id)).toBe(true);
      expect(await endpoints.get(test, created.id)).toBeNull();
      expect((await deliveries.listForEvent(first))[0]!.status).toBe('delivered');
      expect((await deliveries.listForEvent(second))[0]!.status).toBe('failed');
      expect(await endpoints.delete(test, created.id)).toBe(false);
    });

    it('should sign notify_url deliveries with the dialect secret of the event\'s mode, or the webhook secret of that mode (one for both for older merchants)', async () => {
      const { test } = await scopes();
      const merchantId = test.merchantId;
      await insertDialectCredential(db(), box, merchantId, 'pingpong', false, 'salt-test');
      await insertDialectCredential(db(), box, merchantId, 'pingpong', true, 'salt-live');
      await insertDialectCredential(db(), box, merchantId, 'webhook', false, 'whsec_merchant', merchantId);
      expect(await endpoints.notifyUrlSigningKey(merchantId, 'pingpong', false)).toEqual({ secret: 'salt-test', accountId: `acct-pingpong-test-${merchantId}`, clientId: null });
      expect(await endpoints.notifyUrlSigningKey(merchantId, 'pingpong', true)).toEqual({ secret: 'salt-live', accountId: `acct-pingpong-live-${merchantId}`, clientId: null });
      expect(await endpoints.notifyUrlSigningKey(merchantId, 'webhook', true)).toEqual({ secret: 'whsec_merchant', accountId: merchantId, clientId: null });
      expect(await endpoints.notifyUrlSigningKey(merchantId, 'scanforpay', true)).toBeNull();
      // Once the merchant has a live webhook secret, live notifications are signed with it, test ones not.
      await insertDialectCredential(db(), box, merchantId, 'webhook', true, 'whsec_live', `${merchantId}:live`);
      expect((await endpoints.notifyUrlSigningKey(merchantId, 'webhook', true))?.secret).toBe('whsec_live');
      expect((await endpoints.notifyUrlSigningKey(merchantId, 'webhook', false))?.secret).toBe('whsec_merchant');
    });
  });
}
