import type { SwaggerTransform } from '@fastify/swagger';
import type { TSchema } from '@sinclair/typebox';

/**
 * OpenAPI documentation for routes that validate their own bodies (the dialects verify signatures over
 * the raw text, so Fastify must not parse or reject them): the schemas here only describe, they never
 * validate. The swagger `transform` puts them on the matching route.
 */
export interface RouteDoc {
  method: 'GET' | 'POST';
  url: string;
  tag: string;
  summary: string;
  description?: string;
  body?: TSchema;
  querystring?: TSchema;
  params?: TSchema;
  /** Answers by HTTP status. */
  response?: Record<number, TSchema>;
  /** How the caller authenticates, when not the native bearer key (an OpenAPI security requirement). */
  security?: Array<Record<string, string[]>>;
}

/** Tag order in /docs: the native API first, then each dialect. */
export const API_TAGS = [
  { name: 'payments', description: 'Native API: barcode and QR payments.' },
  { name: 'refunds', description: 'Native API: partial and repeated refunds.' },
  { name: 'notifications', description: 'Native API: webhook endpoints, events and deliveries.' },
  { name: 'wallet accounts', description: "Native API: the merchant's own Alipay and WeChat Pay accounts (live mode)." },
  { name: 'reconciliation', description: "Native API: the wallets' daily statements matched with counterpay's payments and refunds (China Standard Time days)." },
  { name: 'settings', description: "Native API: the merchant's settings, such as what happens to a late success (refund it, or accept it)." },
  { name: 'PingPong v4', description: "PingPong's in-store API, as its v4 docs give it: JSON envelope signed with the merchant's salt (SHA256 or MD5). Every answer is HTTP 200; `code` says what happened." },
  { name: 'ScanForPay', description: "ScanForPay's offline API: `{ request: { header, body }, signature }`, SHA-256 over the request JSON text plus the partner's key. `code` 1 is success; anything else is a failure." },
  { name: 'Omise', description: "Omise's charges API for Alipay barcode (`source[type]=barcode_alipay`): HTTP Basic auth with the secret key, form or JSON bodies, Omise's error objects." },
];

/** The swagger `transform`: a documented route gets its doc schema (and is shown), any other keeps its own. */
export function documentRoutes(docs: readonly RouteDoc[]): SwaggerTransform {
  const byRoute = new Map(docs.map((doc) => [`${doc.method} ${doc.url}`, doc]));
  return ({ schema, url, route }) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const doc = methods.map((m) => byRoute.get(`${m} ${route.url}`)).find(Boolean);
    if (!doc) return { schema, url };
    const { method: _method, url: _url, tag, ...described } = doc;
    return { schema: { ...described, tags: [tag] }, url };
  };
}
