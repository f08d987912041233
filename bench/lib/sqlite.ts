/** SQLite as counterpay configures it: WAL, synchronous=NORMAL. */
import Database from 'better-sqlite3';

export function openSqlite(file: string): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  return db;
}

/** The payments table of references A and B: amounts are integers in minor units. */
export const PAYMENTS_DDL = `create table if not exists payments (
  id text primary key,
  merchant_order_id text not null unique,
  amount integer not null,
  currency text not null,
  barcode_masked text not null,
  status text not null,
  wallet_transaction_id text,
  version integer not null,
  created_at text not null,
  updated_at text not null,
  paid_at text
)`;
