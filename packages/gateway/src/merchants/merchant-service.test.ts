import { inspect } from 'node:util';
import { SecretBox } from '@counterpay/core';
import { openTestDatabase } from '@counterpay/db/test-databases';
import { describe, expect, it } from 'vitest';
import { createRepositories } from '../repositories/repositories.ts';
import { MerchantService } from './merchant-service.ts';

describe('merchant service', () => {
  it('creates test and live credentials, each key opening only its own mode', async () => {
    const database = await openTestDatabase('sqlite');
    try {
      const box = new SecretBox('unit-test');
      const service = new MerchantService(createRepositories(database.handle, box, 'unit').merchants, box);
      const created = await service.createMerchant({ name: 'Unit Shop' });
      expect(created.secret_key).toMatch(/^sk_test_/);
      expect(created.live_secret_key).toMatch(/^sk_live_/);
      expect(created.omise.liveSecretKey).toMatch(/^skey_(?!test_)/);
      expect(created.live_webhook_secret).toMatch(/^whsec_/);
      expect(created.live_webhook_secret).not.toBe(created.webhook_secret);
      expect((await service.authenticate(created.secret_key, 'secret'))?.livemode).toBe(false);
      expect((await service.authenticate(created.live_secret_key, 'secret'))?.livemode).toBe(true);
      expect(await service.authenticate(created.live_secret_key, 'omise')).toBeNull();

      const live = await service.dialectAccount('pingpong', created.pingpong.live.accId);
      expect(live).toMatchObject({ merchantId: created.merchant_id, livemode: true, clientId: created.pingpong.live.clientId });
      expect(live!.secret.reveal()).toBe(created.pingpong.live.salt);
      // An account that reaches a log line shows no salt.
      expect(JSON.stringify(live)).not.toContain(created.pingpong.live.salt);
      expect(inspect(live, { depth: 5 })).not.toContain(created.pingpong.live.salt);
      expect((await service.dialectAccount('scanforpay', created.scanforpay.partnerNo))?.livemode).toBe(false);
    } finally {
      await database.cleanup();
    }
  });
});
