import { randomBytes, randomFillSync } from 'node:crypto';

export const ID_PREFIXES = {
  payment: 'pay',
  refund: 're',
  event: 'evt',
  merchant: 'mch',
  store: 'sto',
  terminal: 'term',
  operator: 'op',
  apiKey: 'key',
  walletCall: 'wc',
  webhookEndpoint: 'we',
  delivery: 'dlv',
  deliveryAttempt: 'att',
  reconciliationReport: 'recon',
} as const;

export type IdKind = keyof typeof ID_PREFIXES;

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/**
 * Ids are time-ordered (10 base-36 chars of milliseconds, then 14 random chars), so sorting by id
 * sorts by creation time: cursor pagination and "newest first" need no second column.
 */
export function newId(kind: IdKind, now = Date.now()): string {
  const time = now.toString(36).padStart(10, '0');
  return `${ID_PREFIXES[kind]}_${time}${randomPart(now)}`;
}

/** The last id's time and random part: ids made in the same millisecond count up from it, so they keep their order. */
let last = { time: -1, random: [] as number[] };

function randomPart(now: number): string {
  if (now === last.time) {
    increment(last.random);
  } else {
    const bytes = randomPool.take(14);
    last = { time: now, random: Array.from({ length: 14 }, (_, i) => bytes[i]! % 36) };
  }
  let random = '';
  for (const digit of last.random) random += ALPHABET[digit];
  return random;
}

/** Adds one to a base-36 number, digit by digit (wrapping at 36^14, which a millisecond never reaches). */
function increment(digits: number[]): void {
  for (let i = digits.length - 1; i >= 0; i--) {
    digits[i] = (digits[i]! + 1) % 36;
    if (digits[i] !== 0) return;
  }
}

/**
 * Random bytes drawn from a pool refilled 4 KiB at a time: one system call per ~290 ids instead of
 * one each (a payment makes several ids, and the call cost more than the id). Bytes are never reused.
 */
class RandomPool {
  readonly #pool = Buffer.alloc(4096);
  #offset = this.#pool.length;

  take(n: number): Buffer {
    if (this.#offset + n > this.#pool.length) {
      randomFillSync(this.#pool);
      this.#offset = 0;
    }
    const bytes = this.#pool.subarray(this.#offset, this.#offset + n);
    this.#offset += n;
    return bytes;
  }
}

const randomPool = new RandomPool();

/**
 * The smallest id of its kind created at `at`: every id made at or after that millisecond sorts at or
 * above it, every earlier one below. A time range becomes an id range, served by the id indexes.
 */
export function idBoundAt(kind: IdKind, at: Date): string {
  return `${ID_PREFIXES[kind]}_${at.getTime().toString(36).padStart(10, '0')}`;
}

export function hasPrefix(id: string, kind: IdKind): boolean {
  return id.startsWith(`${ID_PREFIXES[kind]}_`);
}

/** Random url-safe token for secrets (API keys, webhook secrets, salts). */
export function randomToken(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}
