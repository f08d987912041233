import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { LATE_SUCCESS_POLICIES } from '@counterpay/core';
import type { LateSuccessGuard } from '../../late-success/late-success-guard.ts';
import { errorResponses } from './schemas.ts';

const Settings = Type.Object({
  object: Type.Literal('settings'),
  late_success_policy: Type.Unsafe<(typeof LATE_SUCCESS_POLICIES)[number]>({ type: 'string', enum: [...LATE_SUCCESS_POLICIES] }),
});

const SettingsBody = Type.Object(
  {
    late_success_policy: Type.Unsafe<(typeof LATE_SUCCESS_POLICIES)[number]>({
      type: 'string',
      enum: [...LATE_SUCCESS_POLICIES],
      description:
        'What to do when a wallet takes money for a payment counterpay closed or failed (a late success): `refund` it at the wallet (default), or `accept` it (the payment becomes succeeded). Either way `payment.late_success` is sent.',
    }),
  },
  { additionalProperties: false },
);

/** `/v1/settings`: the merchant's settings (both modes): for now, what happens to a late success. */
export const settingsRoutes =
  (lateSuccess: LateSuccessGuard): FastifyPluginAsyncTypebox =>
  async (app) => {
    const read = async (merchantId: string) => ({ object: 'settings' as const, late_success_policy: await lateSuccess.policyOf(merchantId) });
    app.get('/settings', { schema: { summary: 'The merchant\'s settings', tags: ['settings'], response: { 200: Settings, ...errorResponses } } }, async (request) => read(request.merchant.merchantId));
    app.post(
      '/settings',
      { schema: { summary: 'Change the merchant\'s settings (late_success_policy: refund | accept)', tags: ['settings'], body: SettingsBody, response: { 200: Settings, ...errorResponses } } },
      async (request) => {
        await lateSuccess.setPolicy(request.merchant.merchantId, request.body.late_success_policy);
        return read(request.merchant.merchantId);
      },
    );
  };
