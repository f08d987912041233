/**
 * The dashboard's calls to its own API (/dashboard/api/…). The session lives in an HTTP-only cookie the
 * page cannot read; every call sends the header the server's CSRF check asks of state-changing requests.
 */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
  ) {
    super(message);
  }
}

export async function api<T = any>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: { 'x-counterpay-dashboard': '1', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  let parsed: any = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (!response.ok) {
    const error = parsed?.error;
    throw new ApiError(error?.message ?? `The server answered HTTP ${response.status}.`, response.status, error?.code ?? 'http_error');
  }
  return parsed as T;
}

/** A query string from the values that are set. */
export function query(values: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) if (value) params.set(key, value);
  const text = params.toString();
  return text ? `?${text}` : '';
}

const CHINA_TIME = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });

/** An instant as China Standard Time, the dashboard's (and the wallets') clock: 2025-01-31 14:05:09. */
export function chinaTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return CHINA_TIME.format(new Date(iso)).replace(',', '');
}

export interface Session {
  merchant: { id: string; name: string; currency: string };
  livemode: boolean;
  live_allowed: boolean;
  expires_at: string;
}
