import { type TSchema, Type } from '@sinclair/typebox';
import type { RouteDoc } from '../../api/route-docs.ts';

/** /docs for the ScanForPay routes: descriptive schemas only (the plugin verifies the signed raw body). */

const TAG = 'ScanForPay';
const text = (description: string, example?: string) => Type.String({ description, ...(example ? { examples: [example] } : {}) });

function signedRequest(body: TSchema) {
  return Type.Object({
    request: Type.Object({
      header: Type.Object({
        requestTime: text('RFC 3339 with offset.', '2018-07-25T18:06:05+08:00'),
        partnerNo: text('Your partner number (printed by `counterpay merchants create`).'),
        signType: Type.Literal('SHA256'),
        version: Type.Literal('1.0'),
        reqMsgId: text('Your id for this message; echoed in the answer.'),
      }),
      body,
    }),
    signature: text('Lower-case hex SHA-256 of the exact JSON text of `request` followed by your sign key.'),
  });
}

const Order = Type.Object({
  code: Type.Integer({ description: '1 = success (including a payment still waiting for the buyer: status 0). Anything else is a failure: 2 failed, 3 unauthorised, 4–5 parameters, 8 signature, 21 result unknown, 30 order does not exist, 31 duplicate order, 33 order closed, 35 refund exceeds amount, 40–44 merchant configuration.' }),
  msg: Type.String(),
  orderNo: Type.Optional(text("counterpay's payment id.")),
  partnerOrderNo: Type.Optional(Type.String()),
  orderAmount: Type.Optional(Type.Integer({ description: "Minor units of the currency (JPY has none)." })),
  wallet: Type.Optional(text('Alipay | Wechat')),
  status: Type.Optional(Type.Integer({ description: '0 pending, 1 paid, 2 failed, 3 refunded.' })),
  payTime: Type.Optional(text('RFC 3339 with offset.')),
  currency: Type.Optional(Type.String()),
  buyer: Type.Optional(text("The payer's masked wallet account, when the wallet gives it.")),
  buyerId: Type.Optional(text("The payer's id at the wallet.")),
});

const signedAnswer = (body: TSchema) =>
  Type.Object({
    response: Type.Object({
      header: Type.Object({ partnerNo: Type.String(), respTime: Type.String(), signType: Type.String(), version: Type.String(), reqMsgId: Type.String() }),
      body,
    }),
    signature: text('SHA-256 of the `response` JSON text followed by your sign key.'),
  });

const counter = {
  storeNo: text('Your store number (printed by `counterpay merchants create`).'),
  operatorId: Type.Optional(text("One of the store's operators.")),
  terminalNo: Type.Optional(text("One of the store's terminals; an unknown one is refused.")),
};

const Pay = Type.Object({
  ...counter,
  partnerOrderNo: text('Your order number.', '20180802100000001'),
  barcode: text("The code scanned from the buyer's wallet app.", '280000000000000001'),
  orderAmount: Type.Integer({ description: 'Minor units.' }),
  orderTitle: Type.Optional(Type.String()),
  notifyUrl: Type.Optional(text('Notified once the payment succeeds (successful payments only); answer `success`.')),
});

const Create = Type.Object({
  ...counter,
  partnerOrderNo: Type.String(),
  orderAmount: Type.Integer(),
  orderTitle: Type.Optional(Type.String()),
  wallet: Type.Optional(text('Wechat | Alipay; without it one code serves both wallets.')),
  expireMinutes: Type.Optional(Type.Integer({ description: 'How long the code can be paid.' })),
  notifyUrl: Type.Optional(Type.String()),
});

const Query = Type.Object({
  storeNo: Type.Optional(Type.String()),
  partnerOrderNo: Type.Optional(text('With storeNo.')),
  orderNo: Type.Optional(text('Or counterpay\'s order number alone.')),
});

const Refund = Type.Object({
  partnerOrderNo: Type.String(),
  refundNo: text('Your refund number; the same number again is a retry.'),
  orderAmount: Type.Integer({ description: 'The amount to refund, minor units (partial and repeated refunds allowed).' }),
  operatorId: Type.Optional(Type.String()),
  terminalNo: Type.Optional(Type.String()),
});

const route = (url: string, summary: string, body: TSchema, answer: TSchema = Order): RouteDoc => ({
  method: 'POST',
  url,
  tag: TAG,
  summary,
  body: signedRequest(body),
  response: { 200: signedAnswer(answer) },
  security: [],
});

export const SCANFORPAY_DOCS: RouteDoc[] = [
  route('/api/offline/pay', 'Barcode payment', Pay),
  route('/api/offline/create', 'Dynamic QR code', Create, Type.Intersect([Order, Type.Object({ qrCode: Type.Optional(Type.String()), expireTime: Type.Optional(Type.String()) })])),
  route('/api/common/payQuery', 'Query a payment', Query),
  route('/api/common/refund', 'Refund a payment', Refund, Type.Intersect([Order, Type.Object({ refundNo: Type.Optional(Type.String()), refundAmount: Type.Optional(Type.Integer()) })])),
];
