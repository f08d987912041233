import { AuthenticationError, PermissionError, hashApiKey, randomToken } from '@counterpay/core';
import type { MerchantService } from '../merchants/merchant-service.ts';
import type { DashboardSessionRepository } from '../repositories/dashboard-session-repository.ts';
import type { MerchantRepository } from '../repositories/merchant-repository.ts';

/** A sign-in lasts a working day; then the merchant signs in again. */
export const SESSION_TTL_MS = 12 * 3600 * 1000;

/** Who a dashboard request is for: the merchant, the mode shown, and whether live mode may be shown. */
export interface DashboardSession {
  /** SHA-256 of the cookie's id: what the table stores. */
  idHash: string;
  merchantId: string;
  merchantName: string;
  currency: string;
  livemode: boolean;
  liveAllowed: boolean;
  expiresAt: string;
}

/**
 * Dashboard sign-ins. The merchant proves who they are with a secret key once; the browser then holds a
 * random session id in an HTTP-only cookie (never the key), and the table holds only its hash, so a
 * copy of the database opens no session. A test key opens test mode only: it is the key developers and
 * CI scripts hold, and must not unlock live refunds; a live key may show either mode.
 */
export class DashboardSessions {
  constructor(
    private readonly sessions: DashboardSessionRepository,
    private readonly merchantKeys: Pick<MerchantService, 'authenticate'>,
    private readonly merchants: Pick<MerchantRepository, 'get'>,
  ) {}

  /** Checks the key and opens a session; returns the cookie's value (shown to the browser only) and the session. */
  async signIn(key: string, now = new Date()): Promise<{ cookieValue: string; session: DashboardSession }> {
    const trimmed = key.trim();
    if (!trimmed) throw new AuthenticationError('Enter your secret key (it starts with sk_test_ or sk_live_).', 'missing_api_key');
    const merchant = /^sk_(test|live)_/.test(trimmed) ? await this.merchantKeys.authenticate(trimmed, 'secret') : null;
    if (!merchant) throw new AuthenticationError('That secret key is not valid. Check that you copied all of it (it starts with sk_test_ or sk_live_) and that it has not been revoked.');
    await this.sessions.deleteExpired(now);
    const cookieValue = randomToken(32);
    const row = {
      id_hash: hashApiKey(cookieValue),
      merchant_id: merchant.merchantId,
      livemode: merchant.livemode ? 1 : 0,
      live_allowed: merchant.livemode ? 1 : 0,
      created_at: now.toISOString(),
      expires_at: new Date(now.getTime() + SESSION_TTL_MS).toISOString(),
    };
    await this.sessions.create(row);
    return {
      cookieValue,
      session: { idHash: row.id_hash, merchantId: merchant.merchantId, merchantName: merchant.name, currency: merchant.defaultCurrency, livemode: merchant.livemode, liveAllowed: merchant.livemode, expiresAt: row.expires_at },
    };
  }

  /** The session a cookie value opens, or null (unknown, expired, signed out). */
  async resolve(cookieValue: string | undefined, now = new Date()): Promise<DashboardSession | null> {
    if (!cookieValue) return null;
    const row = await this.sessions.findLive(hashApiKey(cookieValue), now);
    if (!row) return null;
    const merchant = await this.merchants.get(row.merchant_id);
    if (!merchant) return null;
    return {
      idHash: row.id_hash,
      merchantId: row.merchant_id,
      merchantName: merchant.name,
      currency: merchant.default_currency,
      livemode: row.livemode === 1,
      liveAllowed: row.live_allowed === 1,
      expiresAt: row.expires_at,
    };
  }

  async setMode(session: DashboardSession, livemode: boolean): Promise<DashboardSession> {
    if (livemode && !session.liveAllowed) {
      throw new PermissionError('You signed in with a test key, which shows test mode only. Sign in with your live secret key (sk_live_…) to see live mode.');
    }
    await this.sessions.setMode(session.idHash, livemode);
    return { ...session, livemode };
  }

  async signOut(session: DashboardSession): Promise<void> {
    await this.sessions.delete(session.idHash);
  }
}
