import SQLite from 'better-sqlite3';
import type { RefundRecord, Trade, WalletName } from './wallet-book.ts';

export interface SimMerchant {
  name: string;
  alipay: {
    appId: string;
    merchantPublicKey: string;
    platformPrivateKey: string;
    platformPublicKey: string;
    /** Certificate mode: the SNs of the certificates issued at registration (absent on older records). */
    appCertSn?: string;
    alipayCertSn?: string;
  };
  wechat: { appId: string; mchId: string; apiKey: string };
  createdAt: string;
}

/** A WeChat Pay sub-merchant (特约商户): it has no key of its own; its partner signs its requests. */
export interface SubMerchant {
  subMchId: string;
  partnerMchId: string;
  name: string;
  createdAt: string;
}

export interface Consumer {
  id: string;
  name: string;
  login: string;
  password: string;
  balances: Record<string, number>;
  history: Array<{ at: string; wallet: WalletName; description: string; amount: number; currency: string }>;
}

export interface PaymentCode {
  code: string;
  wallet: WalletName;
  consumerId: string;
  expiresAt: number;
  usedAt: number | null;
}

type Kind = 'merchant' | 'sub_merchant' | 'authority' | 'consumer' | 'code' | 'trade' | 'refund';

/**
 * The simulator's state: maps in memory, each change also written to SQLite (a file under DATA_DIR,
 * or nothing for tests) so a restarted simulator still knows its merchants, trades and balances.
 */
export class SimStore {
  readonly merchants = new Map<string, SimMerchant>(); // by Alipay app id and by WeChat mch_id
  readonly subMerchants = new Map<string, SubMerchant>(); // by sub_mch_id
  /** Certificate authorities whose certificates the merchants hold, by name. */
  readonly authorities = new Map<string, unknown>();
  readonly consumers = new Map<string, Consumer>();
  readonly codes = new Map<string, PaymentCode>();
  readonly trades = new Map<string, Trade>();
  readonly refunds = new Map<string, RefundRecord>();
  readonly #db: SQLite.Database | null;
  readonly #upsert: SQLite.Statement | null;

  constructor(dbFile: string | null) {
    if (!dbFile || dbFile === ':memory:') {
      this.#db = null;
      this.#upsert = null;
      return;
    }
    this.#db = new SQLite(dbFile);
    this.#db.pragma('journal_mode = WAL');
    // WAL with NORMAL survives a killed simulator (only an OS crash loses the last writes), without an
    // fsync per write that stalled every request behind it.
    this.#db.pragma('synchronous = NORMAL');
    this.#db.exec('create table if not exists records (kind text not null, key text not null, json text not null, primary key (kind, key))');
    this.#upsert = this.#db.prepare('insert into records (kind, key, json) values (?, ?, ?) on conflict (kind, key) do update set json = excluded.json');
    for (const row of this.#db.prepare('select kind, key, json from records').all() as Array<{ kind: Kind; key: string; json: string }>) {
      this.#load(row.kind, row.key, JSON.parse(row.json));
    }
  }

  #load(kind: Kind, key: string, value: any): void {
    if (kind === 'merchant') {
      this.merchants.set(value.alipay.appId, value);
      this.merchants.set(value.wechat.mchId, value);
    } else if (kind === 'sub_merchant') this.subMerchants.set(key, value);
    else if (kind === 'authority') this.authorities.set(key, value);
    else if (kind === 'consumer') this.consumers.set(key, value);
    else if (kind === 'code') this.codes.set(key, value);
    else if (kind === 'trade') this.trades.set(key, value);
    else this.refunds.set(key, value);
  }

  #persist(kind: Kind, key: string, value: unknown): void {
    this.#upsert?.run(kind, key, JSON.stringify(value));
  }

  saveMerchant(merchant: SimMerchant): void {
    this.#load('merchant', merchant.alipay.appId, merchant);
    this.#persist('merchant', merchant.alipay.appId, merchant);
  }

  saveSubMerchant(subMerchant: SubMerchant): void {
    this.#load('sub_merchant', subMerchant.subMchId, subMerchant);
    this.#persist('sub_merchant', subMerchant.subMchId, subMerchant);
  }

  saveAuthority(name: string, authority: unknown): void {
    this.#load('authority', name, authority);
    this.#persist('authority', name, authority);
  }

  saveConsumer(consumer: Consumer): void {
    this.consumers.set(consumer.id, consumer);
    this.#persist('consumer', consumer.id, consumer);
  }

  saveCode(code: PaymentCode): void {
    this.codes.set(code.code, code);
    this.#persist('code', code.code, code);
  }

  saveTrade(trade: Trade): void {
    const key = `${trade.wallet}:${trade.merchant}:${trade.outTradeNo}`;
    this.trades.set(key, trade);
    this.#persist('trade', key, trade);
  }

  saveRefund(refund: RefundRecord): void {
    const key = `${refund.wallet}:${refund.merchant}:${refund.outTradeNo}:${refund.outRefundNo}`;
    this.refunds.set(key, refund);
    this.#persist('refund', key, refund);
  }

  close(): void {
    this.#db?.close();
  }
}
