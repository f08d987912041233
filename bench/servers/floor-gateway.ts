/**
 * Reference B, gateway side, the design floor: validate the JSON body, insert the payment, make one
 * HMAC-signed WeChat Pay v2 XML call (undici, as counterpay's connectors), verify the signed answer,
 * then update the payment and insert an outbox row in one transaction. Its own process.
 * Env: BENCH_DB (SQLite file), WALLET_URL, WALLET_KEY.
 */
import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import { request } from 'undici';
import { openSqlite, PAYMENTS_DDL } from '../lib/sqlite.ts';
import { parseXml, signed, verify } from '../lib/wechat-v2.ts';
import { maskBarcode, PAYMENT_BODY_SCHEMA, type PaymentBody } from './payment-body.ts';

const walletUrl = `${process.env.WALLET_URL!}/pay/micropay`;
const apiKey = process.env.WALLET_KEY!;
const db = openSqlite(process.env.BENCH_DB!);
db.exec(PAYMENTS_DDL);
db.exec('create table if not exists outbox (id text primary key, payment_id text not null, type text not null, payload text not null, created_at text not null)');
const insertPayment = db.prepare(
  `insert into payments (id, merchant_order_id, amount, currency, barcode_masked, status, version, created_at, updated_at)
   values (?, ?, ?, ?, ?, 'processing', 1, ?, ?)`,
);
const markPaid = db.prepare("update payments set status = 'succeeded', wallet_transaction_id = ?, paid_at = ?, updated_at = ?, version = version + 1 where id = ? and status = 'processing'");
const insertEvent = db.prepare('insert into outbox (id, payment_id, type, payload, created_at) values (?, ?, ?, ?, ?)');
const succeed = db.transaction((payment: Record<string, unknown>, transactionId: string, at: string) => {
  markPaid.run(transactionId, at, at, payment.id);
  insertEvent.run(`evt_${randomUUID()}`, payment.id, 'payment.succeeded', JSON.stringify(payment), at);
});

const app = Fastify({ logger: false });
app.post<{ Body: PaymentBody }>('/v1/payments', { schema: { body: PAYMENT_BODY_SCHEMA } }, async (req, reply) => {
  const b = req.body;
  const id = `pay_${randomUUID()}`;
  const created = new Date().toISOString();
  const barcodeMasked = maskBarcode(b.barcode);
  insertPayment.run(id, b.merchant_order_id, b.amount, b.currency, barcodeMasked, created, created);

  const xml = signed(
    {
      appid: 'wxbench0000000001',
      mch_id: '1900000001',
      nonce_str: randomUUID().replaceAll('-', ''),
      sign_type: 'HMAC-SHA256',
      body: b.description ?? 'counterpay bench',
      out_trade_no: b.merchant_order_id,
      total_fee: String(b.amount),
      fee_type: b.currency,
      spbill_create_ip: '127.0.0.1',
      auth_code: b.barcode,
    },
    apiKey,
  );
  const response = await request(walletUrl, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: xml, signal: AbortSignal.timeout(10_000) });
  const answer = parseXml(await response.body.text());
  if (response.statusCode !== 200 || !verify(answer, apiKey) || answer.return_code !== 'SUCCESS' || answer.result_code !== 'SUCCESS') {
    return reply.status(502).send({ error: { type: 'wallet_error', code: 'failed_processing', message: answer.return_msg ?? 'wallet error' } });
  }
  if (answer.total_fee !== String(b.amount)) return reply.status(502).send({ error: { type: 'wallet_error', code: 'amount_mismatch', message: 'amount mismatch' } });
  const paidAt = new Date().toISOString();
  const payment = {
    id,
    object: 'payment',
    status: 'succeeded',
    wallet: 'wechat',
    amount: b.amount,
    currency: b.currency,
    merchant_order_id: b.merchant_order_id,
    barcode: barcodeMasked,
    wallet_transaction_id: answer.transaction_id ?? null,
    created_at: created,
    paid_at: paidAt,
  };
  succeed(payment, answer.transaction_id ?? '', paidAt);
  return reply.status(200).send(payment);
});

const url = await app.listen({ host: '127.0.0.1', port: 0 });
console.log(`floor gateway listening on ${url}`);
process.on('SIGTERM', () => void app.close().finally(() => process.exit(0)));
