import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError, SecretBox, ValidationError } from '@counterpay/core';
import { type TestDatabase, openTestDatabase } from '@counterpay/db/test-databases';
import { DeliveryRepository } from '../repositories/delivery-repository.ts';
import { appendEvent } from '../repositories/event-outbox.ts';
import { EventRepository } from '../repositories/event-repository.ts';
import { insertMerchant, insertPayment, paymentEvent } from '../repositories/notification-test-fixtures.ts';
import type { MerchantScope } from '../repositories/scope.ts';
import { WebhookEndpointRepository } from '../repositories/webhook-endpoint-repository.ts';
import { NotificationService } from './notification-service.ts';

const box = new SecretBox('service-test-key');

describe('notification service in test and live mode', () => {
  let t: TestDatabase;
  let service: NotificationService;
  let test: MerchantScope;
  let live: MerchantScope;

  beforeAll(async () => {
    t = await openTestDatabase('sqlite');
    service = new NotificationService(new WebhookEndpointRepository(t.handle.db, box), new EventRepository(t.handle.db), new DeliveryRepository(t.handle.db, 'sqlite'));
    const merchantId = await insertMerchant(t.handle.db);
    test = { merchantId, livemode: false };
    live = { merchantId, livemode: true };
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  /** Resolves to the error a call rejects with. */
  const failure = (call: Promise<unknown>) => call.then(() => undefined, (e: unknown) => e);

  it('should create endpoints in the mode of the key and render their livemode', async () => {
    const created = await service.createEndpoint(live, { url: 'https://shop.example/live' });
    expect(created).toMatchObject({ object: 'webhook_endpoint', livemode: true, event_types: ['*'], status: 'enabled', secret: expect.stringMatching(/^whsec_/) });
    const got = await service.getEndpoint(live, created.id);
    expect(got).not.toHaveProperty('secret'); // shown only when created or rotated
    expect({ ...got, secret: created.secret }).toEqual(created);
    expect((await service.listEndpoints(test)).map((e) => e.id)).not.toContain(created.id);
    expect((await service.listEndpoints(live)).map((e) => e.id)).toContain(created.id);
  });

  it('should answer not found for another mode\'s endpoint, whatever the call', async () => {
    const liveEndpoint = await service.createEndpoint(live, { url: 'https://shop.example/live-only' });
    for (const call of [
      service.getEndpoint(test, liveEndpoint.id),
      service.updateEndpoint(test, liveEndpoint.id, { disabled: true }),
      service.rotateSecret(test, liveEndpoint.id),
      service.replayEndpoint(test, liveEndpoint.id, new Date(0).toISOString()),
      service.deleteEndpoint(test, liveEndpoint.id),
    ]) {
      expect(await failure(call)).toBeInstanceOf(NotFoundError);
    }
    expect(await service.getEndpoint(live, liveEndpoint.id)).toMatchObject({ status: 'enabled', url: 'https://shop.example/live-only' });
  });

  it('should answer not found for another mode\'s event, and list each mode\'s events with their livemode', async () => {
    const liveEvent = await appendEvent(t.handle.db, paymentEvent(await insertPayment(t.handle.db, live.merchantId, { livemode: true })));
    const testEvent = await appendEvent(t.handle.db, paymentEvent(await insertPayment(t.handle.db, test.merchantId, { livemode: false })));
    for (const call of [service.getEvent(test, liveEvent), service.listDeliveries(test, liveEvent), service.redeliver(test, liveEvent), service.getEvent(live, testEvent)]) {
      expect(await failure(call)).toBeInstanceOf(NotFoundError);
    }
    expect(await service.getEvent(live, liveEvent)).toMatchObject({ id: liveEvent, object: 'event', livemode: true });
    const listed = await service.listEvents(test, { limit: 100 });
    expect(listed.data.map((e) => e.id)).toContain(testEvent);
    expect(listed.data.map((e) => e.id)).not.toContain(liveEvent);
    expect(listed.data.every((e) => e.livemode === false)).toBe(true);
  });

  it('should refuse loopback URLs in live mode only', async () => {
    expect(await failure(service.createEndpoint(live, { url: 'http://127.0.0.1:9/hook' }))).toBeInstanceOf(ValidationError);
    expect(await service.createEndpoint(test, { url: 'http://127.0.0.1:9/hook' })).toMatchObject({ livemode: false });
  });
});
