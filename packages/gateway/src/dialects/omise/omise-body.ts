import { OmiseError } from './omise-errors.ts';

export type OmiseBody = Record<string, unknown>;

/** Keys that would reach an object's prototype if used as property names. */
const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Omise's form encoding (`curl -d "source[type]=barcode_alipay"`) as the nested object JSON clients
 * send: `a[b][c]=v` → `{ a: { b: { c: 'v' } } }`. A later scalar replaces an earlier one; a nested key
 * under a scalar replaces it with an object. @fastify/formbody would not help: its default parser
 * (fast-querystring) keeps `source[type]` as a flat key, and `qs` is not a dependency of counterpay.
 */
export function nestBracketKeys(params: URLSearchParams): OmiseBody {
  const out: OmiseBody = {};
  for (const [key, value] of params) {
    const path = key.split(/\[|\]\[|\]/).filter((part) => part !== '');
    if (path.length === 0 || path.some((part) => UNSAFE_KEYS.has(part))) continue;
    let node = out;
    for (const part of path.slice(0, -1)) {
      const next = node[part];
      node = (node[part] = next && typeof next === 'object' ? next : {}) as OmiseBody;
    }
    node[path.at(-1)!] = value;
  }
  return out;
}

/**
 * A request body as the official client sends it (JSON, also empty on expire) or as curl does
 * (form-encoded). Anything else is a `bad_request`, never a crash.
 */
export function readOmiseBody(text: string, contentType: string | undefined): OmiseBody {
  if ((contentType ?? '').toLowerCase().includes('application/x-www-form-urlencoded')) return nestBracketKeys(new URLSearchParams(text));
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new OmiseError(400, 'bad_request', 'request body is not valid JSON');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new OmiseError(400, 'bad_request', 'request body must be a JSON object');
  return parsed as OmiseBody;
}
