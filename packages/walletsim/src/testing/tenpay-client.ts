import { createRequire } from 'node:module';
import type { MerchantRegistration } from '../merchant-registration.ts';
import { TENPAY_PATHS } from './tenpay-in-child.ts';

/** The methods of the `tenpay` WeChat Pay v2 client (it shares no code with the simulator) the tests call. */
export interface TenpayClient {
  urls: Record<string, string>;
  micropay(params: Record<string, unknown>): Promise<Record<string, string>>;
  orderQuery(params: Record<string, unknown>): Promise<Record<string, string>>;
  reverse(params: Record<string, unknown>): Promise<Record<string, string>>;
  refund(params: Record<string, unknown>): Promise<Record<string, string>>;
  refundQuery(params: Record<string, unknown>): Promise<Record<string, string>>;
  closeOrder(params: Record<string, unknown>): Promise<Record<string, string>>;
  unifiedOrder(params: Record<string, unknown>): Promise<Record<string, string>>;
}

const Tenpay = createRequire(import.meta.url)('tenpay') as new (config: { appid: string; mchid: string; partnerKey: string }) => TenpayClient;

/** A tenpay client for a merchant the simulator registered, with every URL pointed at the simulator. */
export function tenpayFor(baseUrl: string, wechat: { appId: string; mchId: string; apiKey: string }): TenpayClient {
  const client = new Tenpay({ appid: wechat.appId, mchid: wechat.mchId, partnerKey: wechat.apiKey });
  for (const [name, path] of Object.entries(TENPAY_PATHS)) client.urls[name] = `${baseUrl}${path}`;
  return client;
}

/** Registers a merchant at a plain-HTTP simulator, as `counterpay sim register` does. */
export async function registerAt(simUrl: string, name: string): Promise<MerchantRegistration> {
  const response = await fetch(`${simUrl}/admin/merchants`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }) });
  return (await response.json()) as MerchantRegistration;
}
