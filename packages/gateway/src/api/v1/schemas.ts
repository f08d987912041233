import { type Static, Type } from '@sinclair/typebox';
import { CURRENCIES, FAILURE_CODES, PAYMENT_STATUSES, REFUND_STATUSES, WALLETS } from '@counterpay/core';

const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);
const NullableString = Nullable(Type.String());
const StringEnum = <T extends readonly string[]>(values: T, description?: string) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...(description ? { description } : {}) });

export const ErrorSchema = Type.Object(
  {
    error: Type.Object({
      type: Type.String(),
      code: Type.String(),
      message: Type.String(),
      param: Type.Optional(Type.String()),
    }),
  },
);

export const Metadata = Type.Record(Type.String({ maxLength: 40 }), Type.String({ maxLength: 500 }), {
  maxProperties: 20,
  description: 'Up to 20 string key/value pairs of your own.',
});

export const CreatePaymentBody = Type.Object(
  {
    amount: Type.Integer({ description: 'Amount in the currency\'s minor unit (fen, cents; yen have none).' }),
    currency: Type.String({ minLength: 3, maxLength: 3, description: `ISO 4217 code: ${CURRENCIES.join(', ')}` }),
    merchant_order_id: Type.String({ minLength: 1, maxLength: 64, description: 'Your order number, unique per merchant.' }),
    barcode: Type.Optional(Type.String({ minLength: 1, maxLength: 32, description: 'The payment code scanned from the buyer\'s wallet app.' })),
    qr: Type.Optional(
      Type.Object(
        {
          wallet: Type.Optional(StringEnum(WALLETS)),
          expires_in: Type.Optional(Type.Integer({ minimum: 1, maximum: 259200, description: 'Seconds the code stays valid: 60 (1 minute) to 259200 (3 days, the default).' })),
        },
        { additionalProperties: false },
      ),
    ),
    description: Type.Optional(Type.String({ maxLength: 128 })),
    store_id: Type.Optional(Type.String({ maxLength: 64 })),
    terminal_id: Type.Optional(Type.String({ maxLength: 64 })),
    operator_id: Type.Optional(Type.String({ maxLength: 64 })),
    notify_url: Type.Optional(Type.String({ maxLength: 512, pattern: '^https?://' })),
    metadata: Type.Optional(Metadata),
    wait_seconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 30, description: 'How long to wait for a final status before answering `processing` (default 15).' })),
  },
  { additionalProperties: false },
);
export type CreatePaymentBody = Static<typeof CreatePaymentBody>;

export const PaymentSchema = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('payment'),
    status: StringEnum(PAYMENT_STATUSES),
    wallet: Type.Union([StringEnum(WALLETS), Type.Null()], { description: 'Null for a one-for-all QR code no wallet app has opened yet.' }),
    flow: StringEnum(['barcode', 'qr'] as const),
    amount: Type.Integer(),
    currency: Type.String(),
    amount_refunded: Type.Integer(),
    merchant_order_id: Type.String(),
    barcode: NullableString,
    qr_code: NullableString,
    qr_url: NullableString,
    expires_at: NullableString,
    failure_code: Type.Union([StringEnum(FAILURE_CODES), Type.Null()]),
    failure_message: NullableString,
    wallet_transaction_id: NullableString,
    buyer: Type.Union(
      [
        Type.Object(
          {
            account: Type.Union([Type.String(), Type.Null()], { description: 'The payer\'s login at the wallet, masked as the wallet shows it (Alipay `buyer_logon_id`, e.g. `158****1562`); null for WeChat Pay, which shows none.' }),
            id: Type.Union([Type.String(), Type.Null()], { description: 'The payer\'s id at the wallet (Alipay `buyer_user_id`, `2088…`; WeChat Pay `openid`).' }),
          },
          { additionalProperties: false },
        ),
        Type.Null(),
      ],
      { description: 'Who paid, as the wallet names them; null until the wallet names a payer.' },
    ),
    description: NullableString,
    store_id: NullableString,
    terminal_id: NullableString,
    operator_id: NullableString,
    dialect: Type.String({ description: 'The API the payment was created through: native, pingpong, scanforpay, omise.' }),
    created_at: Type.String(),
    paid_at: NullableString,
    closed_at: NullableString,
    livemode: Type.Boolean(),
    metadata: Type.Record(Type.String(), Type.String()),
    late_success: Type.Optional(
      Type.Object(
        {
          amount: Type.Union([Type.Integer({ description: 'What the wallet charged, minor units.' }), Type.Null()]),
          wallet_transaction_id: NullableString,
          paid_at: NullableString,
          action: StringEnum(['refunded', 'accepted'] as const),
        },
        {
          additionalProperties: false,
          description:
            'Only when the wallet took the money after counterpay had closed or failed the payment (a late success): the charge, and what was done: `refunded` at the wallet (the payment stays closed or failed; see its refunds) or `accepted` (the merchant\'s late_success_policy; the payment is succeeded).',
        },
      ),
    ),
  },
);

export const RefundSchema = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('refund'),
    payment: Type.String(),
    amount: Type.Integer(),
    currency: Type.String(),
    status: StringEnum(REFUND_STATUSES),
    merchant_refund_id: NullableString,
    reason: NullableString,
    failure_code: NullableString,
    failure_message: NullableString,
    wallet_refund_id: NullableString,
    created_at: Type.String(),
    succeeded_at: NullableString,
    livemode: Type.Boolean(),
  },
);

export const CreateRefundBody = Type.Object(
  {
    amount: Type.Optional(Type.Integer({ description: 'Minor units; default: everything not yet refunded.' })),
    merchant_refund_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    reason: Type.Optional(Type.String({ maxLength: 256 })),
    wait_seconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 30 })),
  },
  { additionalProperties: false },
);
export type CreateRefundBody = Static<typeof CreateRefundBody>;

export const ListPaymentsQuery = Type.Object(
  {
    merchant_order_id: Type.Optional(Type.String({ maxLength: 64 })),
    status: Type.Optional(StringEnum(PAYMENT_STATUSES)),
    terminal_id: Type.Optional(Type.String({ maxLength: 64, description: 'Only payments taken at this terminal (a cash register\'s recent sales).' })),
    limit: Type.Optional(Type.String({ pattern: '^(100|[1-9][0-9]?)$', description: '1 to 100, default 10.' })),
    starting_after: Type.Optional(Type.String({ maxLength: 64, description: 'A payment id: list the ones created before it.' })),
  },
  { additionalProperties: false },
);
export type ListPaymentsQuery = Static<typeof ListPaymentsQuery>;

export const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
export type IdParams = Static<typeof IdParams>;

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
});

export const listOf = <T extends ReturnType<typeof Type.Object>>(item: T) =>
  Type.Object({ object: Type.Literal('list'), url: Type.String(), has_more: Type.Boolean(), data: Type.Array(item) });

export const errorResponses = {
  400: ErrorSchema,
  401: ErrorSchema,
  404: ErrorSchema,
  409: ErrorSchema,
  413: ErrorSchema,
  415: ErrorSchema,
  502: ErrorSchema,
};
