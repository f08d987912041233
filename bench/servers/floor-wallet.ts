/**
 * Reference B, wallet side: a minimal WeChat Pay v2 micropay endpoint. Verifies the signed XML, inserts
 * one order row, answers signed XML. Its own process; BENCH_DB is its SQLite file, WALLET_KEY the API key.
 */
import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import { openSqlite } from '../lib/sqlite.ts';
import { parseXml, signed, verify } from '../lib/wechat-v2.ts';

const apiKey = process.env.WALLET_KEY!;
const db = openSqlite(process.env.BENCH_DB!);
db.exec(`create table if not exists orders (
  transaction_id text primary key,
  mch_id text not null,
  out_trade_no text not null,
  total_fee integer not null,
  auth_code text not null,
  created_at text not null,
  unique (mch_id, out_trade_no)
)`);
const insert = db.prepare('insert into orders (transaction_id, mch_id, out_trade_no, total_fee, auth_code, created_at) values (?, ?, ?, ?, ?, ?)');

const app = Fastify({ logger: false });
app.addContentTypeParser(['text/xml', 'application/xml'], { parseAs: 'string' }, (_request, body, done) => done(null, body));

app.post<{ Body: string }>('/pay/micropay', async (request, reply) => {
  const fields = parseXml(request.body);
  reply.header('content-type', 'text/xml');
  if (!verify(fields, apiKey)) return signed({ return_code: 'FAIL', return_msg: 'SIGNERROR' }, apiKey);
  if (!/^[0-9]{1,12}$/.test(fields.total_fee ?? '')) return signed({ return_code: 'FAIL', return_msg: 'total_fee' }, apiKey);
  const transactionId = `42${randomUUID().replaceAll('-', '').slice(0, 26)}`;
  const now = new Date();
  insert.run(transactionId, fields.mch_id, fields.out_trade_no, Number(fields.total_fee), fields.auth_code, now.toISOString());
  return signed(
    {
      return_code: 'SUCCESS',
      return_msg: 'OK',
      appid: fields.appid ?? '',
      mch_id: fields.mch_id ?? '',
      nonce_str: randomUUID().replaceAll('-', ''),
      result_code: 'SUCCESS',
      openid: 'bench-openid',
      trade_type: 'MICROPAY',
      bank_type: 'CFT',
      fee_type: fields.fee_type ?? 'CNY',
      total_fee: fields.total_fee!,
      cash_fee: fields.total_fee!,
      transaction_id: transactionId,
      out_trade_no: fields.out_trade_no ?? '',
      time_end: now.toISOString().replace(/[-:T]/g, '').slice(0, 14),
    },
    apiKey,
  );
});

const url = await app.listen({ host: '127.0.0.1', port: 0 });
console.log(`floor wallet listening on ${url}`);
process.on('SIGTERM', () => void app.close().finally(() => process.exit(0)));
