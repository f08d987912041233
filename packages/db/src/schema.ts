import type { Generated } from 'kysely';
import type { FailureCode, PaymentStatus, RefundStatus, Wallet } from '@counterpay/core';

/**
 * Row types of every table. Timestamps are ISO-8601 UTC text (`Date#toISOString`), identical on SQLite
 * and PostgreSQL and ordered correctly as text; amounts are integers in minor units; booleans are 0/1.
 */
export interface MerchantTable {
  id: string;
  name: string;
  default_currency: string;
  livemode: number;
  /** Omise-style pricing in basis points of the amount, and VAT on the fee. */
  fee_rate_bps: number;
  fee_vat_bps: number;
  created_at: string;
}

export interface StoreTable {
  id: string;
  merchant_id: string;
  name: string;
  /** The store number merchants use in dialect requests (ScanForPay storeNo, Omise store_id). */
  external_no: string;
  created_at: string;
}

export interface TerminalTable {
  id: string;
  merchant_id: string;
  store_id: string;
  name: string;
  external_no: string;
  created_at: string;
}

export interface OperatorTable {
  id: string;
  merchant_id: string;
  name: string;
  external_no: string;
  created_at: string;
}

export interface ApiKeyTable {
  id: string;
  merchant_id: string;
  /** `secret` for the native API, `omise` for the Omise dialect. */
  kind: string;
  /** The first characters, shown to people to tell keys apart. */
  display_prefix: string;
  /** SHA-256 hex of the whole key; the key itself is never stored. */
  key_hash: string;
  /** 1 for a live key (`sk_live_…`, `skey_…`): it sees only live objects. */
  livemode: Generated<number>;
  created_at: string;
  revoked_at: string | null;
  /** A terminal key (kind `terminal`): the store and terminal it may take payments for; null for merchant-wide keys. */
  store_id: string | null;
  terminal_id: string | null;
  /** A name the merchant gave the key in the dashboard. */
  label: string | null;
}

/** Shared secrets a dialect must read back to verify signatures (salts, sign keys), encrypted at rest. */
export interface DialectCredentialTable {
  id: string;
  merchant_id: string;
  dialect: string;
  /** The public account id the merchant sends (PingPong accId, ScanForPay partnerNo, webhook endpoint id). */
  account_id: string;
  client_id: string | null;
  secret_ciphertext: string;
  livemode: Generated<number>;
  created_at: string;
}

/**
 * The merchant's account at a wallet in one mode (Alipay app id + keys or certificates, WeChat mch_id +
 * API key + client certificate), encrypted; `summary` holds what may be shown (ids, fingerprints, expiry).
 */
export interface WalletAccountTable {
  merchant_id: string;
  wallet: Wallet;
  livemode: number;
  /** The wallet's URL; null = the simulator (test mode's default). */
  endpoint: string | null;
  summary: string;
  credentials_ciphertext: string;
  created_at: string;
  updated_at: string;
}

export interface PaymentTable {
  id: string;
  merchant_id: string;
  store_id: string | null;
  terminal_id: string | null;
  operator_id: string | null;
  merchant_order_id: string;
  status: PaymentStatus;
  /** Null for a one-for-all QR code until a wallet app opens it. */
  wallet: Wallet | null;
  flow: 'barcode' | 'qr';
  amount: number;
  currency: string;
  amount_refunded: number;
  barcode_masked: string | null;
  qr_code: string | null;
  qr_url: string | null;
  expires_at: string | null;
  failure_code: FailureCode | null;
  failure_message: string | null;
  wallet_transaction_id: string | null;
  /** The payer as the wallet names them: a masked login (Alipay buyer_logon_id) and a stable id (Alipay buyer_user_id, WeChat Pay openid). */
  buyer_account: string | null;
  buyer_id: string | null;
  /** A one-for-all QR code whose buyer switched wallets: the wallet whose order was closed for it (it cannot be reopened). */
  switched_from_wallet: Wallet | null;
  description: string | null;
  metadata: string;
  notify_url: string | null;
  /** Which API created it: native, pingpong, scanforpay, omise. */
  dialect: string;
  /** Dialect-specific request facts needed to answer in that dialect later (JSON). */
  dialect_data: string;
  /** Hash of the create request, to tell a retry from a conflicting reuse of the same order id. */
  request_hash: string;
  livemode: number;
  /** Increments on every change; events carry it so receivers can order them. */
  version: number;
  created_at: string;
  updated_at: string;
  paid_at: string | null;
  closed_at: string | null;
  /** Set when the merchant asked to cancel: the resolver cancels at the wallet at once. */
  cancel_requested_at: string | null;
}

/**
 * Columns of `payments` that only reconciliation writes (0009), kept out of PaymentTable so payment rows
 * built in code need not name them.
 */
export interface PaymentFeeColumns {
  /** The wallet's fee for this payment (minor units), booked from its daily statement; null until then. */
  wallet_fee: number | null;
}

/** Columns of `payments` that only the late-success guard writes (0008); null until a late success is found. */
export interface PaymentLateSuccessColumns {
  /** What the wallet charged (minor units) after counterpay had closed or failed the payment. */
  late_paid_amount: number | null;
  late_wallet_transaction_id: string | null;
  late_paid_at: string | null;
  /** What was done: `refunded` at the wallet, or `accepted` as succeeded (the merchant's policy). */
  late_success_action: 'refunded' | 'accepted' | null;
}

/** The merchant's setting for late successes (0008): `refund` (default) or `accept`. */
export interface MerchantLateSuccessColumns {
  late_success_policy: string;
}

export interface RefundTable {
  id: string;
  payment_id: string;
  merchant_id: string;
  amount: number;
  currency: string;
  status: RefundStatus;
  merchant_refund_id: string | null;
  reason: string | null;
  failure_code: string | null;
  failure_message: string | null;
  wallet_refund_id: string | null;
  dialect: string;
  dialect_data: string;
  notify_url: string | null;
  request_hash: string;
  livemode: Generated<number>;
  version: number;
  created_at: string;
  updated_at: string;
  succeeded_at: string | null;
}

export interface IdempotencyKeyTable {
  merchant_id: string;
  key: string;
  /** What kind of request the key was used for (payment.create, refund.create). */
  scope: string;
  request_hash: string;
  object_id: string;
  created_at: string;
}

export interface WalletCallTable {
  id: string;
  /** The gateway instance that made the call (lets tests prove no two instances worked one task at once). */
  instance_id: string;
  merchant_id: string;
  payment_id: string | null;
  refund_id: string | null;
  wallet: string;
  method: string;
  outcome: string;
  wallet_code: string | null;
  http_status: number | null;
  latency_ms: number;
  error: string | null;
  /** When the call started (its end is created_at + latency_ms). */
  created_at: string;
}

/**
 * Durable work: one row per payment or refund whose outcome is not known yet (resolver) or per QR
 * payment that must be closed at expiry. Workers claim rows with a lease; a restart continues here.
 */
export interface TaskTable {
  kind: string;
  object_id: string;
  next_run_at: string;
  deadline_at: string;
  attempts: number;
  lease_owner: string | null;
  lease_until: string | null;
  last_error: string | null;
  /**
   * Set (before the first call) once the resolver starts cancelling: from then on it only repeats the
   * cancel until the wallet confirms, since a cancel in flight can still reverse what a query shows paid.
   */
  cancel_started_at: string | null;
  created_at: string;
}

/** Transactional outbox: one row per status change, written in the same transaction as the change. */
export interface EventTable {
  id: string;
  merchant_id: string;
  type: string;
  object_type: string;
  object_id: string;
  object_version: number;
  payload: string;
  livemode: Generated<number>;
  created_at: string;
}

/** A merchant's webhook endpoint: its own secret (and the previous one while a rotation overlaps). */
export interface WebhookEndpointTable {
  id: string;
  merchant_id: string;
  url: string;
  /** JSON array of event types, or ["*"]. */
  event_types: string;
  secret_ciphertext: string;
  previous_secret_ciphertext: string | null;
  previous_secret_expires_at: string | null;
  /** enabled | disabled (by the merchant) | failing (a delivery exhausted every retry). */
  status: string;
  livemode: Generated<number>;
  /** What the endpoint receives: `native` events, or `omise` events (Omise's dashboard webhook) of payments made through the Omise API. */
  format: string;
  created_at: string;
  updated_at: string;
}

/** One event to one target (an endpoint or a notify_url), retried on the schedule until delivered. */
export interface DeliveryTable {
  id: string;
  event_id: string;
  merchant_id: string;
  /** `endpoint:<we_…>` or `notify_url`: unique per event, so planning is idempotent. */
  target: string;
  endpoint_id: string | null;
  url: string;
  /** pending | delivered | failed */
  status: string;
  attempts: number;
  next_attempt_at: string;
  lease_owner: string | null;
  lease_until: string | null;
  created_at: string;
  delivered_at: string | null;
}

/** The delivery log: every attempt, with what the receiver answered. */
export interface DeliveryAttemptTable {
  id: string;
  delivery_id: string;
  event_id: string;
  url: string;
  attempted_at: string;
  http_status: number | null;
  latency_ms: number;
  response_excerpt: string | null;
  error: string | null;
}

/** A dashboard sign-in: the cookie holds a random id, the table only its SHA-256, with the merchant and the mode shown. */
export interface DashboardSessionTable {
  id_hash: string;
  merchant_id: string;
  livemode: number;
  /** 1 when the session was opened with a live key: only then may it switch to live mode. */
  live_allowed: number;
  created_at: string;
  expires_at: string;
}

/** A day's reconciliation of one merchant's wallet in one mode (0009), claimed with a lease like tasks. */
export interface ReconciliationRunTable {
  merchant_id: string;
  livemode: number;
  wallet: string;
  /** The wallet's day, China Standard Time, YYYY-MM-DD. */
  date: string;
  /** pending (due at next_attempt_at) | done */
  state: string;
  attempts: number;
  next_attempt_at: string;
  lease_owner: string | null;
  lease_until: string | null;
  last_error: string | null;
  report_id: string | null;
  created_at: string;
  updated_at: string;
}

/** A stored reconciliation report (0009): `report` is the JSON the API answers. */
export interface ReconciliationReportTable {
  id: string;
  merchant_id: string;
  livemode: number;
  wallet: string;
  date: string;
  report: string;
  created_at: string;
}

export interface Database {
  merchants: MerchantTable & Partial<MerchantLateSuccessColumns>;
  stores: StoreTable;
  terminals: TerminalTable;
  operators: OperatorTable;
  api_keys: ApiKeyTable;
  dialect_credentials: DialectCredentialTable;
  wallet_accounts: WalletAccountTable;
  payments: PaymentTable & Partial<PaymentFeeColumns> & Partial<PaymentLateSuccessColumns>;
  refunds: RefundTable;
  idempotency_keys: IdempotencyKeyTable;
  wallet_calls: WalletCallTable;
  tasks: TaskTable;
  events: EventTable;
  webhook_endpoints: WebhookEndpointTable;
  deliveries: DeliveryTable;
  delivery_attempts: DeliveryAttemptTable;
  dashboard_sessions: DashboardSessionTable;
  reconciliation_runs: ReconciliationRunTable;
  reconciliation_reports: ReconciliationReportTable;
}
