import { IdempotencyError } from '@counterpay/core';
import type { IdempotencyKeyRepository } from '../repositories/idempotency-keys.ts';

/**
 * The object an `Idempotency-Key` was first used for, or null for a new key. Reusing a key for a
 * different request (another body, or another kind of request) is a conflict.
 */
export async function objectForIdempotencyKey(keys: IdempotencyKeyRepository, merchantId: string, key: string | undefined, scope: 'payment.create' | 'refund.create', hash: string): Promise<string | null> {
  if (!key) return null;
  const found = await keys.find(merchantId, key);
  if (!found) return null;
  if (found.request_hash !== hash || found.scope !== scope) {
    throw new IdempotencyError('idempotency_key_reused', 'This Idempotency-Key was already used with different request parameters.');
  }
  return found.object_id;
}
