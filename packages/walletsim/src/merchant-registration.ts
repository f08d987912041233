import { randomBytes, randomInt } from 'node:crypto';
import { newRsaKeyPair } from './alipay/alipay-crypto.ts';
import type { ClientCertificate } from './certificates/sim-tls.ts';
import type { SimContext } from './sim-context.ts';
import type { SimMerchant } from './store.ts';

const digits = (n: number) => Array.from({ length: n }, () => randomInt(10)).join('');

/** What `POST /admin/merchants` answers (CONTRACT.md `counterpay sim register --json`). */
export interface MerchantRegistration {
  /** The simulator's CA (PEM), when it serves TLS: clients trust it to reach the simulator. */
  ca?: string;
  alipay: { appId: string; appPrivateKey: string; alipayPublicKey: string; appCertPem: string; alipayCertPem: string; alipayRootCertPem: string };
  wechat: { appId: string; mchId: string; apiKey: string } & Partial<ClientCertificate>;
}

/**
 * Registers a wallet merchant: an Alipay app (RSA keys, plus the certificates of certificate mode) and
 * a WeChat Pay merchant (appid, mch_id, API key, plus a client certificate for /secapi/ over TLS).
 */
export function registerMerchant(sim: SimContext, name: string): MerchantRegistration {
  const merchantKeys = newRsaKeyPair();
  const platformKeys = newRsaKeyPair();
  const appId = `2021${digits(12)}`;
  const mchId = newMchId(sim);
  const certificates = sim.alipayCertificates().issueFor({ appId, merchantName: name, appPublicKey: merchantKeys.publicKey, platformPublicKey: platformKeys.publicKey });
  const merchant: SimMerchant = {
    name,
    alipay: {
      appId,
      merchantPublicKey: merchantKeys.publicKey,
      platformPrivateKey: platformKeys.privateKey,
      platformPublicKey: platformKeys.publicKey,
      appCertSn: certificates.appCertSn,
      alipayCertSn: certificates.alipayCertSn,
    },
    wechat: { appId: `wx${randomBytes(8).toString('hex')}`, mchId, apiKey: randomBytes(16).toString('hex') },
    createdAt: new Date().toISOString(),
  };
  sim.store.saveMerchant(merchant);
  return {
    ...(sim.tls ? { ca: sim.tls.caPem } : {}),
    alipay: {
      appId,
      appPrivateKey: merchantKeys.privateKey,
      alipayPublicKey: platformKeys.publicKey,
      appCertPem: certificates.appCertPem,
      alipayCertPem: certificates.alipayCertPem,
      alipayRootCertPem: certificates.alipayRootCertPem,
    },
    wechat: { appId: merchant.wechat.appId, mchId, apiKey: merchant.wechat.apiKey, ...(sim.tls ? sim.tls.issueClientCertificate(mchId) : {}) },
  };
}

/** Registers a sub-merchant (特约商户) of a registered WeChat Pay merchant acting as its service provider. */
export function registerSubMerchant(sim: SimContext, partnerMchId: string, name: string): { wechat: { subMchId: string } } | null {
  const partner = sim.store.merchants.get(partnerMchId);
  if (!partner || partner.wechat.mchId !== partnerMchId) return null;
  const subMchId = newMchId(sim);
  sim.store.saveSubMerchant({ subMchId, partnerMchId, name, createdAt: new Date().toISOString() });
  return { wechat: { subMchId } };
}

/** 10 digits starting with 1, unused by any merchant or sub-merchant (they share one namespace at WeChat). */
function newMchId(sim: SimContext): string {
  let id: string;
  do id = `1${digits(9)}`;
  while (sim.store.merchants.has(id) || sim.store.subMerchants.has(id));
  return id;
}
