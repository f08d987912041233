/**
 * Bulk seed of stored payments straight into counterpay's SQLite file (not through the API): clones of
 * one real payment row (so every column the gateway's schema has is filled as the gateway fills it),
 * each with its own id, merchant_order_id, status and times; a prepared INSERT, one transaction per chunk.
 */
import Database from 'better-sqlite3';

const CHUNK = 200_000;
/** Seeded payments are spread 100 ms apart, ending before the real one; ids sort like counterpay's. */
const SPACING_MS = 100;

export class PaymentSeeder {
  readonly #db: Database.Database;
  readonly #template: Record<string, unknown>;
  readonly #columns: string[];
  readonly #start: number;
  #count = 0;

  constructor(file: string, merchantId: string, maxRows: number) {
    this.#db = new Database(file);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = NORMAL');
    this.#db.pragma('busy_timeout = 5000');
    const template = this.#db.prepare("select * from payments where merchant_id = ? and status = 'succeeded' limit 1").get(merchantId) as Record<string, unknown> | undefined;
    if (!template) throw new Error('seed: no succeeded payment to clone (the template payment failed?)');
    this.#template = template;
    this.#columns = Object.keys(template);
    this.#start = Date.now() - 60_000 - maxRows * SPACING_MS;
  }

  get count(): number {
    return this.#count;
  }

  idFor(i: number): string {
    return `pay_${(this.#start + i * SPACING_MS).toString(36).padStart(10, '0')}${i.toString(36).padStart(14, '0')}`;
  }

  orderIdFor(i: number): string {
    return `seed-${i}`;
  }

  /** Adds payments until `total` are seeded; returns the seconds it took. */
  seedTo(total: number): number {
    const started = performance.now();
    const cols = this.#columns;
    const insert = this.#db.prepare(`insert into payments (${cols.join(', ')}) values (${cols.map(() => '?').join(', ')})`);
    const at = (name: string) => cols.indexOf(name);
    const idx = { id: at('id'), order: at('merchant_order_id'), status: at('status'), created: at('created_at'), updated: at('updated_at'), paid: at('paid_at'), txn: at('wallet_transaction_id'), failure: at('failure_code'), message: at('failure_message') };
    const base = cols.map((c) => this.#template[c]);
    const chunk = this.#db.transaction((from: number, to: number) => {
      const values = base.slice();
      for (let i = from; i < to; i++) {
        const time = new Date(this.#start + i * SPACING_MS).toISOString();
        // 90 % succeeded, 5 % failed, 5 % closed.
        const kind = i % 20;
        const status = kind === 0 ? 'failed' : kind === 1 ? 'closed' : 'succeeded';
        values[idx.id] = this.idFor(i);
        values[idx.order] = this.orderIdFor(i);
        values[idx.status] = status;
        values[idx.created] = time;
        values[idx.updated] = time;
        if (idx.paid >= 0) values[idx.paid] = status === 'succeeded' ? time : null;
        if (idx.txn >= 0) values[idx.txn] = status === 'succeeded' ? `42000${i}` : null;
        if (idx.failure >= 0) values[idx.failure] = status === 'failed' ? 'insufficient_balance' : null;
        if (idx.message >= 0) values[idx.message] = status === 'failed' ? 'The buyer\'s balance is insufficient.' : null;
        insert.run(values);
      }
    });
    while (this.#count < total) {
      const to = Math.min(total, this.#count + CHUNK);
      chunk(this.#count, to);
      this.#count = to;
    }
    this.#db.pragma('wal_checkpoint(TRUNCATE)');
    return (performance.now() - started) / 1000;
  }

  close(): void {
    this.#db.close();
  }
}
