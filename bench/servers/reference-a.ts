/**
 * Reference A, the stack: bare Fastify, validate a JSON body, insert one row into SQLite
 * (better-sqlite3, WAL, synchronous=NORMAL). Its own process; BENCH_DB is the SQLite file.
 */
import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import { openSqlite, PAYMENTS_DDL } from '../lib/sqlite.ts';
import { maskBarcode, PAYMENT_BODY_SCHEMA, type PaymentBody } from './payment-body.ts';

const db = openSqlite(process.env.BENCH_DB!);
db.exec(PAYMENTS_DDL);
const insert = db.prepare(
  `insert into payments (id, merchant_order_id, amount, currency, barcode_masked, status, version, created_at, updated_at)
   values (?, ?, ?, ?, ?, 'processing', 1, ?, ?)`,
);

const app = Fastify({ logger: false });
app.post<{ Body: PaymentBody }>('/v1/payments', { schema: { body: PAYMENT_BODY_SCHEMA } }, async (request, reply) => {
  const b = request.body;
  const id = `pay_${randomUUID()}`;
  const now = new Date().toISOString();
  insert.run(id, b.merchant_order_id, b.amount, b.currency, maskBarcode(b.barcode), now, now);
  return reply.status(200).send({ id, status: 'processing', amount: b.amount, currency: b.currency, merchant_order_id: b.merchant_order_id });
});

const url = await app.listen({ host: '127.0.0.1', port: 0 });
console.log(`reference A listening on ${url}`);
process.on('SIGTERM', () => void app.close().finally(() => process.exit(0)));
