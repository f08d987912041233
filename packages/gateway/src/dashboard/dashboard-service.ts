import { randomInt } from 'node:crypto';
import {
  type Currency,
  NotFoundError,
  PAYMENT_STATUSES,
  type PaymentStatus,
  ValidationError,
  WALLETS,
  type Wallet,
  formatDecimalAmount,
  hashApiKey,
  maskBarcode,
  newId,
  parseCurrency,
  parseDecimalAmount,
  randomToken,
} from '@counterpay/core';
import type { MerchantService } from '../merchants/merchant-service.ts';
import type { NotificationService } from '../notifications/notification-service.ts';
import { toPaymentObject, toRefundObject } from '../payments/objects.ts';
import type { PaymentService } from '../payments/payment-service.ts';
import type { RefundService } from '../payments/refund-service.ts';
import type { ApiKeyRow, DashboardRepository, PaymentSearch } from '../repositories/dashboard-repository.ts';
import type { PaymentRow } from '../repositories/payment-repository.ts';
import type { MerchantScope } from '../repositories/scope.ts';
import type { WalletAccounts } from '../wallets/wallet-accounts.ts';
import { type WalletAccountInput, credentialsFrom } from '../wallets/wallet-credentials-input.ts';
import { buildTimeline } from './timeline.ts';
import { chinaDayStart, computeTotals, totalsWindow } from './totals.ts';

/** The list's query as the browser sends it (every value text). */
export interface PaymentListQuery {
  status?: string | undefined;
  wallet?: string | undefined;
  store_id?: string | undefined;
  terminal_id?: string | undefined;
  /** A China date, YYYY-MM-DD: payments created from that day's start. */
  from?: string | undefined;
  /** A China date, YYYY-MM-DD: payments created up to that day's end. */
  to?: string | undefined;
  /** A merchant order id (or its start), or the barcode's last digits, or the whole barcode. */
  q?: string | undefined;
  limit?: string | undefined;
  starting_after?: string | undefined;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 24 * 3600 * 1000;
/** How long an action from the dashboard waits for the wallet before showing "processing". */
const ACTION_WAIT_MS = 10_000;
const CSV_PAGE = 500;

function chinaDay(value: string, param: string): Date {
  if (!DATE.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) throw new ValidationError('parameter_invalid', `${param} must be a date as YYYY-MM-DD.`, param);
  return chinaDayStart(value);
}

/** The filters in the repository's terms; bad values are refused in plain words. */
export function parsePaymentQuery(query: PaymentListQuery, limit: number): PaymentSearch {
  const search: PaymentSearch = { limit };
  if (query.status) {
    if (!(PAYMENT_STATUSES as readonly string[]).includes(query.status)) throw new ValidationError('parameter_invalid', `status must be one of: ${PAYMENT_STATUSES.join(', ')}.`, 'status');
    search.status = query.status as PaymentStatus;
  }
  if (query.wallet) {
    if (!(WALLETS as readonly string[]).includes(query.wallet)) throw new ValidationError('parameter_invalid', `wallet must be one of: ${WALLETS.join(', ')}.`, 'wallet');
    search.wallet = query.wallet as Wallet;
  }
  if (query.store_id) search.storeId = query.store_id;
  if (query.terminal_id) search.terminalId = query.terminal_id;
  if (query.from) search.from = chinaDay(query.from, 'from').toISOString();
  if (query.to) search.to = new Date(chinaDay(query.to, 'to').getTime() + DAY_MS).toISOString();
  if (search.from && search.to && search.from >= search.to) throw new ValidationError('parameter_invalid', 'from must be on or before to.', 'from');
  const q = query.q?.trim();
  if (q) {
    // Only the first and last four digits of a barcode are stored (maskBarcode): a whole code is
    // matched by its masked form, up to four digits as the code's end; any text is an order id's start.
    search.orderIdPrefix = q;
    if (/^\d{1,4}$/.test(q)) search.barcodeSuffix = q;
    else if (/^\d{9,32}$/.test(q)) search.barcodeMasked = maskBarcode(q);
  }
  if (query.starting_after) search.startingAfter = query.starting_after;
  return search;
}

function digits(count: number): string {
  let out = String(randomInt(1, 10));
  while (out.length < count) out += String(randomInt(0, 10));
  return out;
}

function toApiKeyObject(row: ApiKeyRow) {
  return {
    id: row.id,
    object: 'api_key' as const,
    kind: row.kind,
    label: row.label,
    prefix: row.display_prefix,
    livemode: row.livemode === 1,
    store_id: row.store_id,
    terminal_id: row.terminal_id,
    created_at: row.created_at,
    revoked_at: row.revoked_at,
  };
}

function name(value: unknown, param: string): string {
  if (typeof value !== 'string' || !value.trim() || value.trim().length > 64) throw new ValidationError('parameter_invalid', `${param} must be 1 to 64 characters.`, param);
  return value.trim();
}

function externalNo(value: unknown, param: string, length: number): string {
  if (value === undefined || value === null || value === '') return digits(length);
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]{1,32}$/.test(value)) throw new ValidationError('parameter_invalid', `${param} must be 1 to 32 letters, digits, - or _.`, param);
  return value;
}

/**
 * What the merchant dashboard shows and does. Reads come from the dashboard repository (searches,
 * timelines, totals) and the existing services; every action (refund, cancel, redeliver, webhook
 * endpoints, wallet accounts) goes through the same service the native API uses, with the same rules.
 */
export class DashboardService {
  constructor(
    private readonly repo: DashboardRepository,
    private readonly payments: PaymentService,
    private readonly refunds: RefundService,
    private readonly notifications: NotificationService,
    private readonly walletAccounts: WalletAccounts,
    private readonly merchants: Pick<MerchantService, 'forgetCachedKeys'>,
  ) {}

  async listPayments(scope: MerchantScope, query: PaymentListQuery) {
    const limit = query.limit ? Number(query.limit) : 25;
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new ValidationError('parameter_invalid', 'limit must be a whole number from 1 to 100.', 'limit');
    const { data, hasMore } = await this.repo.searchPayments(scope, parsePaymentQuery(query, limit));
    return { object: 'list' as const, has_more: hasMore, data: data.map((p) => this.#paymentLine(p)) };
  }

  /** Every payment the filters match, a page at a time (the CSV export streams them). */
  async *allPayments(scope: MerchantScope, query: PaymentListQuery): AsyncGenerator<PaymentRow> {
    const search = parsePaymentQuery({ ...query, starting_after: undefined }, CSV_PAGE);
    for (;;) {
      const page = await this.repo.searchPayments(scope, search);
      yield* page.data;
      if (!page.hasMore) return;
      search.startingAfter = page.data.at(-1)!.id;
    }
  }

  #paymentLine(p: PaymentRow) {
    return { ...toPaymentObject(p), amount_decimal: formatDecimalAmount(p.amount, p.currency as Currency), amount_refunded_decimal: formatDecimalAmount(p.amount_refunded, p.currency as Currency) };
  }

  async paymentDetail(scope: MerchantScope, id: string) {
    const payment = await this.payments.getPayment(scope, id);
    const history = await this.repo.paymentHistory(payment.id);
    return {
      payment: this.#paymentLine(payment),
      refunds: history.refunds.map((r) => ({ ...toRefundObject(r), amount_decimal: formatDecimalAmount(r.amount, r.currency as Currency) })),
      timeline: buildTimeline(payment, history),
      events: history.events.map((e) => ({ id: e.id, type: e.type, created_at: e.created_at })),
    };
  }

  /** A refund from the dashboard: the amount as the person typed it (decimal text), converted exactly. */
  async refund(scope: MerchantScope, paymentId: string, input: { amount?: string | undefined; reason?: string | undefined; idempotencyKey?: string | undefined }) {
    const payment = await this.payments.getPayment(scope, paymentId);
    const amount = input.amount === undefined || input.amount === '' ? undefined : parseDecimalAmount(input.amount, parseCurrency(payment.currency), 'amount');
    const refund = await this.refunds.createRefund(scope, paymentId, { amount, reason: input.reason || null }, { idempotencyKey: input.idempotencyKey, waitMs: ACTION_WAIT_MS });
    return { ...toRefundObject(refund), amount_decimal: formatDecimalAmount(refund.amount, refund.currency as Currency) };
  }

  async cancel(scope: MerchantScope, paymentId: string) {
    return this.#paymentLine(await this.payments.cancelPayment(scope, paymentId, ACTION_WAIT_MS));
  }

  redeliver(scope: MerchantScope, eventId: string) {
    return this.notifications.redeliver(scope, eventId);
  }

  async totals(scope: MerchantScope, now = new Date()) {
    const window = totalsWindow(now);
    const buckets = await this.repo.salesBuckets(scope, window.from.toISOString(), window.to.toISOString());
    const stores = new Map((await this.repo.listStores(scope.merchantId)).map((s) => [s.id, s.name]));
    const totals = computeTotals(buckets, now);
    const named = <T extends { key: string | null }>(lines: T[]) => lines.map((l) => ({ ...l, name: l.key ? (stores.get(l.key) ?? l.key) : 'No store' }));
    return { ...totals, today: { ...totals.today, by_store: named(totals.today.by_store) }, last_30_days: { ...totals.last_30_days, by_store: named(totals.last_30_days.by_store) } };
  }

  // Settings: stores, terminals and operators (shared by both modes), API keys (per mode).

  async places(merchantId: string) {
    const [stores, terminals, operators] = await Promise.all([this.repo.listStores(merchantId), this.repo.listTerminals(merchantId), this.repo.listOperators(merchantId)]);
    return {
      stores: stores.map((s) => ({ id: s.id, name: s.name, store_no: s.external_no, created_at: s.created_at })),
      terminals: terminals.map((t) => ({ id: t.id, store_id: t.store_id, name: t.name, terminal_no: t.external_no, created_at: t.created_at })),
      operators: operators.map((o) => ({ id: o.id, name: o.name, operator_no: o.external_no, created_at: o.created_at })),
    };
  }

  async createStore(merchantId: string, input: { name?: unknown; store_no?: unknown }) {
    const row = { id: newId('store'), merchant_id: merchantId, name: name(input.name, 'name'), external_no: externalNo(input.store_no, 'store_no', 15), created_at: new Date().toISOString() };
    if ((await this.repo.insertStore(row)) === 'duplicate') throw new ValidationError('parameter_invalid', `You already have a store numbered ${row.external_no}.`, 'store_no');
    return { id: row.id, name: row.name, store_no: row.external_no, created_at: row.created_at };
  }

  async createTerminal(merchantId: string, input: { store_id?: unknown; name?: unknown; terminal_no?: unknown }) {
    const stores = await this.repo.listStores(merchantId);
    const store = stores.find((s) => s.id === input.store_id);
    if (!store) throw new ValidationError('parameter_invalid', 'Choose one of your stores for the terminal.', 'store_id');
    const row = { id: newId('terminal'), merchant_id: merchantId, store_id: store.id, name: name(input.name, 'name'), external_no: externalNo(input.terminal_no, 'terminal_no', 8), created_at: new Date().toISOString() };
    if ((await this.repo.insertTerminal(row)) === 'duplicate') throw new ValidationError('parameter_invalid', `You already have a terminal numbered ${row.external_no}.`, 'terminal_no');
    return { id: row.id, store_id: row.store_id, name: row.name, terminal_no: row.external_no, created_at: row.created_at };
  }

  async createOperator(merchantId: string, input: { name?: unknown; operator_no?: unknown }) {
    const row = { id: newId('operator'), merchant_id: merchantId, name: name(input.name, 'name'), external_no: externalNo(input.operator_no, 'operator_no', 4), created_at: new Date().toISOString() };
    if ((await this.repo.insertOperator(row)) === 'duplicate') throw new ValidationError('parameter_invalid', `You already have an operator numbered ${row.external_no}.`, 'operator_no');
    return { id: row.id, name: row.name, operator_no: row.external_no, created_at: row.created_at };
  }

  async apiKeys(scope: MerchantScope) {
    return (await this.repo.listApiKeys(scope)).map(toApiKeyObject);
  }

  /**
   * A new key in the scope's mode, shown this once: `secret` (the whole merchant, `sk_…`) or `terminal`
   * (`tk_…`: payments and refunds of one terminal only, for the cash register).
   */
  async createApiKey(scope: MerchantScope, input: { kind?: unknown; terminal_id?: unknown; label?: unknown }) {
    const mode = scope.livemode ? 'live' : 'test';
    const label = input.label === undefined || input.label === '' ? null : name(input.label, 'label');
    let binding: { store_id: string; terminal_id: string } | null = null;
    let key: string;
    if (input.kind === 'terminal') {
      const terminal = (await this.repo.listTerminals(scope.merchantId)).find((t) => t.id === input.terminal_id);
      if (!terminal) throw new ValidationError('parameter_invalid', 'Choose the terminal the key is for.', 'terminal_id');
      binding = { store_id: terminal.store_id, terminal_id: terminal.id };
      key = `tk_${mode}_${randomToken(24)}`;
    } else if (input.kind === 'secret') {
      key = `sk_${mode}_${randomToken(24)}`;
    } else {
      throw new ValidationError('parameter_invalid', 'kind must be secret or terminal.', 'kind');
    }
    const row = {
      id: newId('apiKey'),
      merchant_id: scope.merchantId,
      kind: input.kind,
      display_prefix: key.slice(0, 12),
      key_hash: hashApiKey(key),
      livemode: scope.livemode ? 1 : 0,
      created_at: new Date().toISOString(),
      revoked_at: null,
      store_id: binding?.store_id ?? null,
      terminal_id: binding?.terminal_id ?? null,
      label,
    };
    await this.repo.insertApiKey(row);
    return { ...toApiKeyObject(row), key };
  }

  async revokeApiKey(scope: MerchantScope, id: string) {
    const key = (await this.repo.listApiKeys(scope)).find((k) => k.id === id && k.revoked_at === null);
    if (!key) throw new NotFoundError('API key', id, 'id');
    if (key.kind === 'secret' && (await this.repo.countActiveSecretKeys(scope)) <= 1) {
      throw new ValidationError('parameter_invalid', 'This is your last secret key in this mode: create another one before you revoke it.', 'id');
    }
    await this.repo.revokeApiKey(scope, id, new Date());
    this.merchants.forgetCachedKeys();
    return { id, object: 'api_key' as const, revoked: true };
  }

  // Webhook endpoints (through the notification service) with their delivery log.

  endpoints(scope: MerchantScope) {
    return this.notifications.listEndpoints(scope);
  }

  createEndpoint(scope: MerchantScope, input: { url?: unknown; event_types?: unknown }) {
    if (typeof input.url !== 'string') throw new ValidationError('parameter_missing', 'url is required.', 'url');
    const eventTypes = Array.isArray(input.event_types) ? input.event_types.filter((t): t is string => typeof t === 'string') : undefined;
    return this.notifications.createEndpoint(scope, { url: input.url, ...(eventTypes?.length ? { eventTypes } : {}) });
  }

  setEndpointDisabled(scope: MerchantScope, id: string, disabled: boolean) {
    return this.notifications.updateEndpoint(scope, id, { disabled });
  }

  deleteEndpoint(scope: MerchantScope, id: string) {
    return this.notifications.deleteEndpoint(scope, id);
  }

  async endpointDeliveries(scope: MerchantScope, id: string) {
    await this.notifications.getEndpoint(scope, id);
    const rows = await this.repo.endpointDeliveries(id, 50);
    return rows.map((d) => ({
      id: d.id,
      event: d.event_id,
      event_type: d.event_type,
      url: d.url,
      status: d.status,
      delivered_at: d.delivered_at,
      created_at: d.created_at,
      attempts: d.attemptLog.map((a) => ({ at: a.attempted_at, http_status: a.http_status, latency_ms: a.latency_ms, error: a.error })),
    }));
  }

  // Wallet accounts (through WalletAccounts: the same connect and verify as the API and the CLI).

  walletAccountList(scope: MerchantScope) {
    return this.walletAccounts.list(scope);
  }

  connectWalletAccount(scope: MerchantScope, input: WalletAccountInput & { verify?: boolean }) {
    const { verify, ...rest } = input;
    return this.walletAccounts.connect(scope, credentialsFrom(rest), { verify: verify ?? true });
  }
}
