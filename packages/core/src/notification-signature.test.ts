import { describe, expect, it } from 'vitest';
import { NotificationSignatureError, signNotification, verifyNotification } from './notification-signature.ts';

const body = JSON.stringify({ id: 'evt_1', object: 'event', type: 'payment.succeeded' });
const secret = 'whsec_test';

describe('native notification signatures', () => {
  it('accepts a signature made with the secret over the raw body', () => {
    const header = signNotification(body, secret, 1_700_000_000);
    expect(verifyNotification(body, header, secret, { nowS: 1_700_000_010 })).toEqual({ timestamp: 1_700_000_000 });
  });

  it('rejects a tampered body', () => {
    const header = signNotification(body, secret, 1_700_000_000);
    expect(() => verifyNotification(body.replace('succeeded', 'failed'), header, secret, { nowS: 1_700_000_000 })).toThrow(NotificationSignatureError);
  });

  it('rejects a tampered signature and a wrong secret', () => {
    const header = signNotification(body, secret, 1_700_000_000);
    const flipped = header.replace(/v1=(.)/, (_m, c: string) => `v1=${c === '0' ? '1' : '0'}`);
    expect(() => verifyNotification(body, flipped, secret, { nowS: 1_700_000_000 })).toThrow(/No signature matches/);
    expect(() => verifyNotification(body, header, 'whsec_other', { nowS: 1_700_000_000 })).toThrow(/No signature matches/);
  });

  it('rejects a stale timestamp (a replay) and a missing or malformed header', () => {
    const header = signNotification(body, secret, 1_700_000_000);
    expect(() => verifyNotification(body, header, secret, { nowS: 1_700_000_301 })).toThrow(/tolerance/);
    expect(() => verifyNotification(body, undefined, secret)).toThrow(/No Counterpay-Signature/);
    expect(() => verifyNotification(body, 'v1=abc', secret)).toThrow(/Malformed/);
  });

  it('accepts either secret while a rotated secret overlaps the new one', () => {
    const header = signNotification(body, ['whsec_new', 'whsec_old'], 1_700_000_000);
    expect(() => verifyNotification(body, header, 'whsec_old', { nowS: 1_700_000_000 })).not.toThrow();
    expect(() => verifyNotification(body, header, 'whsec_new', { nowS: 1_700_000_000 })).not.toThrow();
  });
});
