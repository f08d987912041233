import type { FastifyRequest } from 'fastify';
import { AuthenticationError } from '@counterpay/core';
import type { AuthenticatedMerchant, MerchantService } from '../merchants/merchant-service.ts';

declare module 'fastify' {
  interface FastifyRequest {
    merchant: AuthenticatedMerchant;
  }
}

/** Native API authentication: `Authorization: Bearer sk_test_…` or `sk_live_…` (or a terminal key); the key's mode is the request's. */
export function bearerAuth(merchants: MerchantService) {
  return async (request: FastifyRequest): Promise<void> => {
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new AuthenticationError('Send your secret key as `Authorization: Bearer sk_test_…`.', 'missing_api_key');
    // A terminal key (`tk_test_…`, `tk_live_…`, issued in the dashboard) is the cash register's: see terminal-key-guard.ts.
    const key = match[1]!;
    const merchant = await merchants.authenticate(key, key.startsWith('tk_') ? 'terminal' : 'secret');
    if (!merchant) throw new AuthenticationError('Invalid API key.');
    request.merchant = merchant;
  };
}
