import { type TSchema, Type } from '@sinclair/typebox';
import type { RouteDoc } from '../../api/route-docs.ts';

/** /docs for the PingPong v4 routes: descriptive schemas only (the plugin verifies the signed raw body). */

const TAG = 'PingPong v4';
const text = (description: string, example?: string) => Type.String({ description, ...(example ? { examples: [example] } : {}) });

/** The signed request envelope around one `bizContent`. */
function envelope(biz: TSchema, description: string) {
  return Type.Object(
    {
      accId: text('Your PingPong account id (printed by `counterpay merchants create`).', '2023042011040310224447'),
      clientId: text('`accId` without its last three digits.', '2023042011040310224'),
      signType: Type.Union([Type.Literal('SHA256'), Type.Literal('MD5')]),
      sign: text('Upper-case hex SHA256 (or MD5) of your salt followed by every other non-empty top-level field, sorted by key, joined as k=v&k=v; bizContent as its exact JSON text.'),
      version: Type.Literal('1.0'),
      bizContent: Type.Union([biz, Type.String({ description: 'The same object as a JSON string (as real clients send it).' })], { description }),
    },
    { description: 'Every answer is HTTP 200 with the same envelope, signed the same way; `code` says what happened.' },
  );
}

const answer = (biz: TSchema) =>
  Type.Object({
    accId: Type.String(),
    clientId: Type.String(),
    code: text('6 characters: 000000 succeeded, 001000 accepted, 002000 processing; 1xxxxx request errors; 5xxxxx/6xxxxx system errors (PROTOCOLS.md lists them).', '000000'),
    description: Type.String(),
    signType: Type.String(),
    sign: Type.String(),
    bizContent: Type.Union([biz, Type.String()], { description: 'An object or a JSON string, as the request sent it.' }),
  });

const amount = text('Decimal major units, e.g. "12.50" or 12.5 (exact decimal, at most the currency\'s decimals).', '0.02');
const status = text('INIT | PROCESSING | SUCCESS | FAILED | CLOSED | CANCEL', 'SUCCESS');

const PaymentResult = Type.Object({
  transactionId: text('counterpay\'s payment id (pay_…).'),
  merchantTransactionId: Type.String(),
  requestId: Type.String(),
  amount: Type.String(),
  currency: Type.String(),
  status,
  paymentMethod: Type.Object({ type: Type.String() }),
  transactionTime: text('When the payment was made: a timestamp in milliseconds.', '1687334372000'),
  transactionEndingTime: Type.Optional(text('When it reached its final state (SUCCESS, FAILED, CLOSED): a timestamp in milliseconds; absent while PROCESSING.')),
  resultCode: text('000000 paid, 002000 processing, else why not: 301003 (balance too low), 301008 (payment code expired), 300000 (payment code invalid), 301099 (other decline), 105000 (CLOSED: not confirmed or paid in time), 600001 (wallet error).', '000000'),
  resultDescription: text('The Status Code appendix\'s description of resultCode.', 'Transaction succeeded'),
  issuerInfo: Type.Optional(Type.Object({ issuerResultCode: text('counterpay\'s failure code, e.g. insufficient_balance.'), issuerResultMsg: Type.String() }, { description: 'FAILED or CLOSED: the wallet side\'s reason.' })),
  qrCode: Type.Optional(text('QR orders: the code content, to be drawn as a QR code.')),
  qrUrl: Type.Optional(text('QR orders: the URL of the QR code image (PNG), to be shown as it is.')),
  qrCodeExpired: Type.Optional(text('QR orders: when the code expires (ISO 8601).')),
  remark: Type.Optional(Type.String()),
});

const RefundResult = Type.Object({
  refundId: Type.String(),
  merchantRefundId: Type.String(),
  transactionId: Type.String(),
  merchantTransactionId: Type.String(),
  amount: Type.String(),
  currency: Type.String(),
  status: text('ACCEPT_SUCCESS | PROCESSING | SUCCESS | FAILED'),
  resultCode: text('000000 refunded, 002000 processing, 303000 refund failed, 600001 wallet error.', '000000'),
  resultDescription: Type.String(),
  refundTime: text('When the refund was made: a timestamp in milliseconds.'),
  refundEndingTime: Type.Optional(text('When it reached SUCCESS or FAILED: a timestamp in milliseconds.')),
  remark: Type.Optional(Type.String()),
});

const UnifiedPay = Type.Object({
  merchantTransactionId: text('Your order number; one payment per order, except that a FAILED order may be paid again with a new requestId.'),
  requestId: text('Your id for this request: the same requestId again is a retry and answers the same payment.'),
  amount,
  currency: text('CNY or HKD (per payment method).', 'CNY'),
  paymentMethod: Type.Object({
    type: text('Wechat-Offline | AlipayCN-Offline | AlipayHK-Offline', 'AlipayCN-Offline'),
    scanCodeId: Type.Optional(text('Barcode pay: the code scanned from the buyer\'s wallet app. Without it, a QR order is made.', '280000000000000001')),
  }),
  captureDelayHours: Type.Optional(Type.Integer({ description: '0 = capture at once.' })),
  notificationUrl: Type.Optional(text('Where the signed result notification is POSTed.')),
  payResultUrl: Type.Optional(Type.String()),
  cashierDeviceId: Type.Optional(text('QR orders: the register showing the code.')),
  timeExpire: Type.Optional(text('QR orders: closing time, Unix seconds (1 minute … 3 days ahead; default 3 days).', '1683530496')),
  device: Type.Optional(Type.Object({ orderTerminal: text('02 = offline POS.', '02') })),
  remark: Type.Optional(text('Echoed in answers and notifications.')),
});

const PaymentQuery = Type.Object({
  transactionId: Type.Optional(Type.String()),
  merchantTransactionId: Type.Optional(Type.String()),
});

const Refund = Type.Object({
  merchantTransactionId: text('The paid order to refund.'),
  merchantRefundId: text('Your refund id; the same id again is a retry.'),
  amount,
  currency: Type.String(),
  notificationUrl: Type.Optional(Type.String()),
  cashierDeviceId: Type.Optional(Type.String()),
});

const RefundQuery = Type.Object({
  refundId: Type.Optional(Type.String()),
  merchantRefundId: Type.Optional(Type.String()),
  merchantTransactionId: Type.Optional(text('With merchantRefundId.')),
});

const route = (url: string, summary: string, biz: TSchema, result: TSchema, description: string): RouteDoc => ({
  method: 'POST',
  url,
  tag: TAG,
  summary,
  description,
  body: envelope(biz, 'The business fields.'),
  response: { 200: answer(result) },
  security: [],
});

export const PINGPONG_DOCS: RouteDoc[] = [
  route('/v4/payment/unifiedPay', 'Barcode payment, or a QR order', UnifiedPay, PaymentResult, 'With `paymentMethod.scanCodeId` a barcode payment (waits up to 5 s for the result, then answers PROCESSING); without it a QR order answering `qrCode` with status PROCESSING.'),
  route('/v4/payment/query', 'Query a payment', PaymentQuery, PaymentResult, 'By `transactionId`, or `merchantTransactionId` (its latest attempt).'),
  route('/v4/payment/refund', 'Refund a payment (partial and repeated refunds allowed)', Refund, RefundResult, 'Never more than was paid in all.'),
  route('/v4/refund/query', 'Query a refund', RefundQuery, RefundResult, 'By `refundId`, or `merchantRefundId` with `merchantTransactionId`.'),
];
