import { type LateSuccessPolicy, SecretBox } from '@counterpay/core';
import type { DatabaseHandle } from '@counterpay/db';
import { createRepositories } from '../repositories/repositories.ts';

/**
 * A merchant's late-success policy in a database with no gateway running (`counterpay merchants
 * settings`): sets it when `policy` is given, and answers it; null when there is no such merchant.
 */
export async function merchantLateSuccessPolicy(database: DatabaseHandle, masterKey: string, merchantId: string, policy?: LateSuccessPolicy): Promise<LateSuccessPolicy | null> {
  const repo = createRepositories(database, new SecretBox(masterKey), 'cli').lateSuccess;
  if (policy && !(await repo.setPolicy(merchantId, policy))) return null;
  return repo.policyOf(merchantId);
}
