import { OmiseError } from './omise-errors.ts';

/** `source[type]=x` → `{ source: { type: 'x' } }`: Omise's form encoding (curl -d) as an object. */
export function nestBracketKeys(params: URLSearchParams): Record<string, unknown> {
  const out: Record<string, any> = {};
  for (const [key, value] of params) {
    const parts = key.split(/\[|\]\[|\]/).filter(Boolean);
    if (parts.length === 0 || parts.some((p) => p === '__proto__' || p === 'constructor' || p === 'prototype')) continue;
    let node = out;
    for (const part of parts.slice(0, -1)) node = node[part] = typeof node[part] === 'object' && node[part] ? node[part] : {};
    node[parts.at(-1)!] = value;
  }
  return out;
}

/** Reads a request body as the official client (JSON, possibly empty) or curl (form) sends it. */
export function readOmiseBody(text: string, contentType: string | undefined): Record<string, unknown> {
  if ((contentType ?? '').includes('application/x-www-form-urlencoded')) return nestBracketKeys(new URLSearchParams(text));
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new OmiseError(400, 'bad_request', 'request body is not valid JSON');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new OmiseError(400, 'bad_request', 'request body must be a JSON object');
  return parsed as Record<string, unknown>;
}
