import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { AuthenticationError } from '@counterpay/core';
import type { Database } from '@counterpay/db';
import { type AuthenticatedMerchant, merchantForApiKey } from '../merchants/merchant-service.ts';

declare module 'fastify' {
  interface FastifyRequest {
    merchant: AuthenticatedMerchant;
  }
}

/** Native API authentication: `Authorization: Bearer sk_test_…` (a secret key of the merchant). */
export function bearerAuth(db: Kysely<Database>) {
  return async (request: FastifyRequest): Promise<void> => {
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new AuthenticationError('Send your secret key as `Authorization: Bearer sk_test_…`.', 'missing_api_key');
    const merchant = await merchantForApiKey(db, match[1]!, 'secret');
    if (!merchant) throw new AuthenticationError('Invalid API key.');
    request.merchant = merchant;
  };
}
