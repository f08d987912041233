import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { XMLBuilder, XMLParser } from 'fast-xml-parser';

/**
 * The platform's side of WeChat Pay v2 signatures and XML (PROTOCOLS.md §5), written independently of
 * the gateway's connector: non-empty parameters except `sign`, sorted, `k=v&…&key=<API key>`, then
 * MD5 or HMAC-SHA256 (keyed with the API key), upper-case hex.
 */
export type SignType = 'MD5' | 'HMAC-SHA256';

export function wechatSign(params: Record<string, string>, apiKey: string, signType: SignType): string {
  const text = `${Object.keys(params)
    .filter((k) => k !== 'sign' && params[k] !== '' && params[k] !== undefined)
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&')}&key=${apiKey}`;
  const digest = signType === 'MD5' ? createHash('md5').update(text, 'utf8') : createHmac('sha256', apiKey).update(text, 'utf8');
  return digest.digest('hex').toUpperCase();
}

export function wechatVerify(params: Record<string, string>, apiKey: string, signType: SignType): boolean {
  const expected = Buffer.from(wechatSign(params, apiKey, signType));
  const actual = Buffer.from(String(params.sign ?? '').toUpperCase());
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

const parser = new XMLParser({ parseTagValue: false, processEntities: true, trimValues: false });
const builder = new XMLBuilder({ cdataPropName: '__cdata' });

/** `<xml><k><![CDATA[v]]></k>…</xml>` → flat string map; null when it is not such a document. */
export function parseXml(text: string): Record<string, string> | null {
  try {
    const doc = parser.parse(text) as { xml?: Record<string, unknown> };
    if (!doc.xml || typeof doc.xml !== 'object') return null;
    const out: Record<string, string> = {};
    // '#text' is the indentation between elements of a pretty-printed document, not a field.
    for (const [k, v] of Object.entries(doc.xml)) if (!k.startsWith('#') && (typeof v === 'string' || typeof v === 'number')) out[k] = String(v);
    return out;
  } catch {
    return null;
  }
}

export function buildXml(fields: Record<string, string>): string {
  const xml: Record<string, { __cdata: string }> = {};
  for (const [k, v] of Object.entries(fields)) xml[k] = { __cdata: v };
  return builder.build({ xml }) as string;
}
