import { isIP } from 'node:net';
import { ValidationError } from '@counterpay/core';

/** Private, loopback and link-local ranges: never a target in live mode (SSRF). */
function isPrivateAddress(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost') || h.endsWith('.internal') || h.endsWith('.local')) return true;
  if (isIP(h) === 4) {
    const [a, b] = h.split('.').map(Number) as [number, number];
    return a === 10 || a === 127 || a === 0 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254) || (a === 100 && b >= 64 && b <= 127);
  }
  if (isIP(h) === 6) return h === '::1' || h === '::' || h.startsWith('fc') || h.startsWith('fd') || h.startsWith('fe80') || h.startsWith('::ffff:');
  return false;
}

/**
 * A notification URL must be http(s); in live mode it must not point into private or loopback
 * networks. Test mode allows loopback so local development works.
 */
export function assertNotificationUrl(raw: string, livemode: boolean, param = 'url'): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ValidationError('invalid_url', `${raw} is not a URL.`, param);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ValidationError('invalid_url', 'Notification URLs must be http or https.', param);
  if (url.username || url.password) throw new ValidationError('invalid_url', 'Notification URLs must not carry credentials.', param);
  if (livemode && isPrivateAddress(url.hostname)) throw new ValidationError('invalid_url', 'In live mode notification URLs must be public addresses.', param);
  return url.toString();
}
