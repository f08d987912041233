import type { CertificateSummary, WalletAccountSummary } from '@counterpay/core';
import type { WalletAccountRow } from '../repositories/wallet-account-repository.ts';

/** A certificate that expires within this many days is a warning at connect and in lists. */
export const EXPIRY_WARNING_DAYS = 30;

/** Plain-words warnings about an account: certificates that expire soon (or have expired). */
export function accountWarnings(summary: Pick<WalletAccountSummary, 'certificates'>, now = new Date()): string[] {
  return summary.certificates.flatMap((certificate: CertificateSummary) => {
    if (!certificate.notAfter) return certificate.problem ? [`${certificate.name}: ${certificate.problem}`] : [];
    const daysLeft = Math.floor((Date.parse(certificate.notAfter) - now.getTime()) / 86_400_000);
    if (daysLeft < 0) return [`${certificate.name} expired on ${certificate.notAfter.slice(0, 10)}: renew it in the wallet's console and connect again.`];
    if (daysLeft < EXPIRY_WARNING_DAYS) return [`${certificate.name} expires on ${certificate.notAfter.slice(0, 10)} (in ${daysLeft} days): renew it and connect again.`];
    return [];
  });
}

/** The wallet account object of the native API and `wallets list`: what is configured, never a secret. */
export function toWalletAccountObject(row: WalletAccountRow, now = new Date()) {
  const summary = JSON.parse(row.summary) as Partial<WalletAccountSummary>;
  const certificates = summary.certificates ?? [];
  return {
    object: 'wallet_account' as const,
    wallet: row.wallet,
    livemode: row.livemode === 1,
    endpoint: row.endpoint ?? 'simulator',
    app_id: summary.appId ?? null,
    mch_id: summary.mchId ?? null,
    sub_mch_id: summary.subMchId ?? null,
    sub_app_id: summary.subAppId ?? null,
    alipay_mode: summary.alipayMode ?? null,
    acts_for_merchant: summary.actsForMerchant ?? false,
    has_client_certificate: summary.hasClientCertificate ?? false,
    keys: summary.keys ?? [],
    certificates,
    warnings: accountWarnings({ certificates }, now),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

export type WalletAccountObject = ReturnType<typeof toWalletAccountObject>;
