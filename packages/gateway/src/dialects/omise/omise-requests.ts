import { detectWallet } from '@counterpay/core';
import type { OmiseBody } from './omise-body.ts';
import { OmiseError } from './omise-errors.ts';
import type { OmiseOrder } from './omise-objects.ts';

/**
 * Omise's requests read into typed values, each refusal in Omise's words. Only shape and Omise's own
 * limits are checked here; payment rules (idempotency, refundable amounts) stay in the services.
 */

/** Seed 003's limits for Alipay barcode charges in THB, in satang. */
export const THB_MIN_AMOUNT = 2000;
export const THB_MAX_AMOUNT = 15_000_000;

/** Alipay's own limits for `store_id` and `terminal_id` (alipay.trade.pay). */
const MAX_STORE_ID = 32;
const MAX_TERMINAL_ID = 32;
const MAX_STORE_NAME = 128;
const MAX_DESCRIPTION = 255;
const MAX_IDEMPOTENCY_KEY = 255;
const MAX_METADATA_KEYS = 20;
const MAX_METADATA_KEY = 40;
const MAX_METADATA_VALUE = 500;

export interface ChargeRequest {
  amount: number;
  barcode: string;
  storeId: string | null;
  storeName: string | null;
  terminalId: string | null;
  description: string | null;
  metadata: Record<string, string>;
}

export interface RefundRequest {
  /** Omitted: everything still refundable. */
  amount: number | undefined;
  metadata: Record<string, string>;
}

export interface ListQuery {
  limit: number;
  offset: number;
  order: OmiseOrder;
  from: string | null;
  to: string | null;
}

const invalidCharge = (message: string) => new OmiseError(400, 'invalid_charge', message);
const badRequest = (message: string) => new OmiseError(400, 'bad_request', message);
const isObject = (value: unknown): value is Record<string, unknown> => !!value && typeof value === 'object' && !Array.isArray(value);

/**
 * An integer sent as a JSON number or as form text. Only numbers and strings are converted: form
 * bodies can hold objects whose own keys shadow `toString`/`valueOf`.
 */
export function integerField(value: unknown): number | null {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : Number.NaN;
  return Number.isSafeInteger(n) ? n : null;
}

/** An optional short text (a number is taken as its digits, as form-encoded clients would send it). */
function optionalText(value: unknown, name: string, max: number, refuse: (message: string) => OmiseError): string | null {
  if (value === undefined || value === null || value === '') return null;
  const text = typeof value === 'string' ? value : typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : null;
  if (text === null) throw refuse(`${name} must be a string`);
  if (text.length > max) throw refuse(`${name} is too long (maximum is ${max} characters)`);
  return text;
}

/**
 * Metadata within the native API's limits (20 keys of up to 40 characters, values up to 500), since
 * the same payment is served there too; numbers and booleans are kept as their text.
 */
function optionalMetadata(value: unknown, refuse: (message: string) => OmiseError): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isObject(value)) throw refuse('metadata must be an object');
  const entries = Object.entries(value);
  if (entries.length > MAX_METADATA_KEYS) throw refuse(`metadata can have at most ${MAX_METADATA_KEYS} keys`);
  const metadata: Record<string, string> = {};
  for (const [key, item] of entries) {
    if (key.length > MAX_METADATA_KEY) throw refuse(`metadata keys must be at most ${MAX_METADATA_KEY} characters`);
    if (typeof item !== 'string' && typeof item !== 'boolean' && !(typeof item === 'number' && Number.isFinite(item))) {
      throw refuse('metadata values must be strings, numbers or booleans');
    }
    const text = String(item);
    if (text.length > MAX_METADATA_VALUE) throw refuse(`metadata values must be at most ${MAX_METADATA_VALUE} characters`);
    metadata[key] = text;
  }
  return metadata;
}

/**
 * Seed 003's example charge pays with `source[barcode]=1234567890`, which is no Alipay payment code
 * (16–24 digits starting 25–30). In test mode it stands for the test code that succeeds at once
 * (CONTRACT.md's test payment codes), so a merchant who pastes Omise's documented example gets a charge,
 * as Omise's test mode answers it; in live mode it is refused like any other invalid code.
 */
export const SEED_EXAMPLE_BARCODE = '1234567890';
export const SEED_EXAMPLE_TEST_CODE = '280000000000000001';

function readAlipayBarcode(value: unknown, livemode: boolean): string {
  if (value === undefined || value === null || value === '') throw invalidCharge('source barcode is required');
  if (typeof value !== 'string') throw invalidCharge('source barcode must be a string');
  const barcode = value.trim(); // scanners often append a line break
  if (!livemode && barcode === SEED_EXAMPLE_BARCODE) return SEED_EXAMPLE_TEST_CODE;
  const wallet = detectWallet(barcode);
  if (wallet === 'wechat') throw invalidCharge('source barcode is a WeChat Pay payment code; only barcode_alipay is supported');
  if (wallet !== 'alipay') throw invalidCharge('source barcode is not a valid Alipay payment code');
  return barcode;
}

/** `POST /charges`: amount, currency, and a `barcode_alipay` source (seed 003); `livemode` is the key's mode (test mode knows the seed's example code). */
export function readChargeRequest(body: OmiseBody, mode: { livemode: boolean } = { livemode: true }): ChargeRequest {
  if (body.amount === undefined || body.amount === null || body.amount === '') throw invalidCharge('amount is required');
  const amount = integerField(body.amount);
  if (amount === null) throw invalidCharge('amount must be an integer');
  if (body.currency === undefined || body.currency === null || body.currency === '') throw invalidCharge('currency is required');
  if (typeof body.currency !== 'string' || body.currency.toUpperCase() !== 'THB') throw invalidCharge('currency is currently not supported');
  if (amount < THB_MIN_AMOUNT) throw invalidCharge(`amount must be at least ${THB_MIN_AMOUNT} (THB 20.00)`);
  if (amount > THB_MAX_AMOUNT) throw invalidCharge(`amount must be at most ${THB_MAX_AMOUNT} (THB 150,000.00)`);
  if (body.source === undefined || body.source === null || body.source === '') throw invalidCharge('source is required');
  if (!isObject(body.source)) throw invalidCharge('source must be given with the charge (source[type], source[barcode]); stored sources are not supported');
  const source = body.source;
  if (source.type !== 'barcode_alipay') {
    throw invalidCharge(typeof source.type === 'string' && source.type !== '' ? 'source type is not supported (only barcode_alipay is)' : 'source type is required');
  }
  return {
    amount,
    barcode: readAlipayBarcode(source.barcode, mode.livemode),
    storeId: optionalText(source.store_id, 'source store_id', MAX_STORE_ID, invalidCharge),
    storeName: optionalText(source.store_name, 'source store_name', MAX_STORE_NAME, invalidCharge),
    terminalId: optionalText(source.terminal_id, 'source terminal_id', MAX_TERMINAL_ID, invalidCharge),
    description: optionalText(body.description, 'description', MAX_DESCRIPTION, invalidCharge),
    metadata: optionalMetadata(body.metadata, invalidCharge),
  };
}

/** `POST /charges/:id/refunds`: an amount (partial or full) and optional metadata. */
export function readRefundRequest(body: OmiseBody): RefundRequest {
  const refuse = (message: string) => new OmiseError(400, 'failed_refund', message);
  let amount: number | undefined;
  if (body.amount !== undefined && body.amount !== null && body.amount !== '') {
    const n = integerField(body.amount);
    if (n === null) throw refuse('amount must be an integer');
    if (n <= 0) throw refuse('amount must be greater than 0');
    amount = n;
  }
  return { amount, metadata: optionalMetadata(body.metadata, refuse) };
}

function listInteger(value: unknown, name: string, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = integerField(value);
  if (n === null || n < 0) throw badRequest(`${name} must be a non-negative integer`);
  return n;
}

function listTime(value: unknown, name: string): string | null {
  if (value === undefined || value === '') return null;
  const ms = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw badRequest(`${name} must be an ISO 8601 date and time`);
  return new Date(ms).toISOString();
}

/** Omise's list parameters: `limit` (default 20, at most 100), `offset`, `order`, `from`, `to`. */
export function readListQuery(query: unknown): ListQuery {
  const q = isObject(query) ? query : {};
  const limit = Math.min(100, listInteger(q.limit, 'limit', 20));
  const offset = listInteger(q.offset, 'offset', 0);
  const order = q.order === undefined || q.order === '' ? 'chronological' : q.order;
  if (order !== 'chronological' && order !== 'reverse_chronological') throw badRequest('order must be chronological or reverse_chronological');
  const from = listTime(q.from, 'from');
  const to = listTime(q.to, 'to');
  if (from && to && from > to) throw badRequest('from must be earlier than to');
  return { limit: Math.max(1, limit), offset, order, from, to };
}

/** The optional `Idempotency-Key` header: a retry with the same key returns the same charge or refund. */
export function readIdempotencyKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  const key = Array.isArray(header) ? header[0] : header;
  if (!key || key.trim() === '' || key.length > MAX_IDEMPOTENCY_KEY || !/^[\x20-\x7e]+$/.test(key)) {
    throw badRequest(`Idempotency-Key must be 1 to ${MAX_IDEMPOTENCY_KEY} printable ASCII characters`);
  }
  return key;
}
