/**
 * WeChat Pay v2 message format, written plainly for reference B: XML fields, signed with HMAC-SHA256
 * over the non-empty fields sorted by name as `k=v&…&key=API_KEY`, upper-case hex.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type Fields = Record<string, string>;

export function sign(fields: Fields, apiKey: string): string {
  const text = Object.keys(fields)
    .filter((k) => k !== 'sign' && fields[k] !== '')
    .sort()
    .map((k) => `${k}=${fields[k]}`)
    .join('&');
  return createHmac('sha256', apiKey).update(`${text}&key=${apiKey}`).digest('hex').toUpperCase();
}

export function verify(fields: Fields, apiKey: string): boolean {
  const given = Buffer.from(fields.sign ?? '');
  const expected = Buffer.from(sign(fields, apiKey));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function toXml(fields: Fields): string {
  let xml = '<xml>';
  for (const [k, v] of Object.entries(fields)) xml += `<${k}><![CDATA[${v.replaceAll(']]>', ']]]]><![CDATA[>')}]]></${k}>`;
  return `${xml}</xml>`;
}

const FIELD = /<([a-z_][a-z0-9_]*)>(?:<!\[CDATA\[([\s\S]*?)\]\]>|([^<]*))<\/\1>/gi;

/** The flat fields of a `<xml>…</xml>` message (the only shape WeChat Pay v2 uses). */
export function parseXml(xml: string): Fields {
  const fields: Fields = {};
  for (const m of xml.matchAll(FIELD)) fields[m[1]!] = m[2] ?? m[3] ?? '';
  return fields;
}

export function signed(fields: Fields, apiKey: string): string {
  return toXml({ ...fields, sign: sign(fields, apiKey) });
}
