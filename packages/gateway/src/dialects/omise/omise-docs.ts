import { Type } from '@sinclair/typebox';
import type { RouteDoc } from '../../api/route-docs.ts';

/** /docs for the Omise routes: descriptive schemas only (the routes read form or JSON bodies themselves). */

const TAG = 'Omise';
const text = (description: string, example?: string) => Type.String({ description, ...(example ? { examples: [example] } : {}) });
const basicAuth = [{ omiseBasic: [] }];

const Source = Type.Object({
  type: Type.Literal('barcode_alipay'),
  barcode: text("The code scanned from the buyer's Alipay app.", '280000000000000001'),
  store_id: Type.Optional(text("Defaults to the account's store.")),
  store_name: Type.Optional(text("Defaults to the account's store name.")),
  terminal_id: Type.Optional(Type.String()),
});

const Charge = Type.Object({
  object: Type.Literal('charge'),
  id: text('chrg_test_… in test mode, chrg_… in live mode.'),
  livemode: Type.Boolean(),
  location: Type.String(),
  amount: Type.Integer({ description: 'Minor units (satang for THB).' }),
  currency: Type.String(),
  status: text('pending | successful | failed | expired | reversed'),
  paid: Type.Boolean(),
  expired: Type.Boolean(),
  fee: Type.Integer(),
  fee_vat: Type.Integer(),
  net: Type.Integer(),
  refunded_amount: Type.Integer(),
  failure_code: Type.Union([Type.String(), Type.Null()]),
  failure_message: Type.Union([Type.String(), Type.Null()]),
  source: Type.Object({}, { additionalProperties: true, description: 'The source as sent, with `charge_status`.' }),
  created_at: Type.String(),
  paid_at: Type.Union([Type.String(), Type.Null()]),
  expires_at: text('When an unconfirmed charge expires.'),
  refunds: Type.Object({}, { additionalProperties: true, description: 'A list object of refunds.' }),
});

const Refund = Type.Object({
  object: Type.Literal('refund'),
  id: text('rfnd_test_… / rfnd_…'),
  charge: Type.String(),
  amount: Type.Integer(),
  currency: Type.String(),
  status: Type.String(),
  voided: Type.Boolean(),
  created_at: Type.String(),
});

const OmiseError = Type.Object({
  object: Type.Literal('error'),
  location: Type.String(),
  code: text('authentication_failure, not_found, bad_request, invalid_charge, failed_refund, failed_expire, …'),
  message: Type.String(),
});

const list = (item: ReturnType<typeof Type.Object>) =>
  Type.Object({ object: Type.Literal('list'), data: Type.Array(item), limit: Type.Integer(), offset: Type.Integer(), total: Type.Integer(), order: Type.String(), from: Type.String(), to: Type.String() });

const ListQuery = Type.Object({
  limit: Type.Optional(Type.Integer()),
  offset: Type.Optional(Type.Integer()),
  order: Type.Optional(text('chronological | reverse_chronological')),
  from: Type.Optional(Type.String()),
  to: Type.Optional(Type.String()),
});

const Id = Type.Object({ id: Type.String() });
const errors = { 400: OmiseError, 401: OmiseError, 404: OmiseError };
const doc = (method: RouteDoc['method'], url: string, summary: string, rest: Partial<RouteDoc>): RouteDoc => ({ method, url, tag: TAG, summary, security: basicAuth, ...rest });

export const OMISE_DOCS: RouteDoc[] = [
  doc('POST', '/charges', 'Create an Alipay barcode charge', {
    description: 'Form-encoded (`source[type]=barcode_alipay`) or JSON, as the official `omise` client sends it. Waits up to 3 s for the result; a pending charge completes later (webhook `charge.complete`).',
    body: Type.Object({ amount: Type.Integer(), currency: text('THB, CNY, …'), source: Source, description: Type.Optional(Type.String()), metadata: Type.Optional(Type.Object({}, { additionalProperties: true })) }),
    response: { 200: Charge, ...errors },
  }),
  doc('GET', '/charges', 'List charges', { querystring: ListQuery, response: { 200: list(Charge), ...errors } }),
  doc('GET', '/charges/:id', 'Retrieve a charge', { params: Id, response: { 200: Charge, ...errors } }),
  doc('POST', '/charges/:id/expire', 'Expire a pending charge (cancelled at Alipay)', { params: Id, response: { 200: Charge, ...errors } }),
  doc('POST', '/charges/:id/refunds', 'Refund a charge (partial or full, within 12 months)', { params: Id, body: Type.Object({ amount: Type.Integer() }), response: { 200: Refund, ...errors } }),
  doc('GET', '/charges/:id/refunds', "List a charge's refunds", { params: Id, querystring: ListQuery, response: { 200: list(Refund), ...errors } }),
  doc('GET', '/charges/:id/refunds/:refundId', 'Retrieve a refund', { params: Type.Object({ id: Type.String(), refundId: Type.String() }), response: { 200: Refund, ...errors } }),
  doc('GET', '/events', 'List events of Omise charges', { querystring: ListQuery, response: { 200: Type.Object({}, { additionalProperties: true }), ...errors } }),
  doc('GET', '/events/:id', 'Retrieve an event', { params: Id, response: { 200: Type.Object({ object: Type.Literal('event'), id: Type.String(), key: Type.String(), data: Type.Object({}, { additionalProperties: true }) }), ...errors } }),
];
