import type { AlipayCertificates } from './alipay/alipay-certificates.ts';
import type { SimTls } from './certificates/sim-tls.ts';
import type { Faults } from './faults.ts';
import type { Notifier } from './notifier.ts';
import type { BillFiles } from './statements/bill-files.ts';
import type { SimStore } from './store.ts';
import type { WalletBook, WalletName } from './wallet-book.ts';

/** What every route of the simulator shares. */
export interface SimContext {
  store: SimStore;
  book: WalletBook;
  faults: Faults;
  notifier: Notifier;
  /** How long test code 6 holds its first answer (longer than any caller's timeout). */
  lostAnswerDelayMs: number;
  /** The simulator's own URL (QR codes point at it); known once it listens. */
  baseUrl(): string;
  /** Signs answers to unknown Alipay app ids (made on first use). */
  fallbackPlatformKey(): string;
  /** The simulated Alipay CA for certificate mode (made on first use, then kept in the store). */
  alipayCertificates(): AlipayCertificates;
  /** Set when serving HTTPS: the CA, and client certificates required on WeChat Pay's /secapi/ paths. */
  tls: SimTls | null;
  /** Each wallet's service fee per trade, parts per million (6000 = 0.6%), shown in its statements. */
  feeRates: Record<WalletName, number>;
  /** Alipay statement files behind their short-lived download URLs. */
  billFiles: BillFiles;
}
