import type { FastifyRequest } from 'fastify';
import { AuthenticationError } from '@counterpay/core';
import type { AuthenticatedMerchant, MerchantService } from '../../merchants/merchant-service.ts';

/** Longer than any key counterpay issues (`skey_test_` + 24 characters): refused before hashing. */
const MAX_KEY_LENGTH = 200;

/** Who each authenticated request is for; kept beside the request rather than typed onto every Fastify request. */
const merchants = new WeakMap<FastifyRequest, AuthenticatedMerchant>();

/** The secret key of `Authorization: Basic base64(secretKey + ":")`, as curl `-u key:` and the client send it. */
export function secretKeyFrom(authorization: string | undefined): string | null {
  const match = /^Basic\s+([A-Za-z0-9+/_=-]+)\s*$/i.exec(authorization ?? '');
  if (!match) return null;
  const credentials = Buffer.from(match[1]!, 'base64').toString('utf8');
  const key = credentials.split(':', 1)[0] ?? '';
  return key.length > 0 && key.length <= MAX_KEY_LENGTH ? key : null;
}

/** `onRequest` hook: the Omise secret key (api_keys of kind `omise`, stored hashed) names the merchant. */
export function omiseBasicAuth(merchantService: MerchantService) {
  return async (request: FastifyRequest): Promise<void> => {
    const key = secretKeyFrom(request.headers.authorization);
    const merchant = key ? await merchantService.authenticate(key, 'omise') : null;
    if (!merchant) throw new AuthenticationError();
    merchants.set(request, merchant);
  };
}

/** The merchant `omiseBasicAuth` found for this request. */
export function omiseMerchant(request: FastifyRequest): AuthenticatedMerchant {
  const merchant = merchants.get(request);
  if (!merchant) throw new AuthenticationError();
  return merchant;
}
