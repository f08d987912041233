/**
 * The register's sign-in: which key, store, terminal and operator it sells as.
 *
 * Kept in sessionStorage, not localStorage: it survives a reload (the cashier's tab stays signed in),
 * but a closed tab or browser forgets the key, so a secret key is not left at rest on a shared counter
 * tablet. The page's strict Content-Security-Policy (no inline or foreign script) guards it meanwhile.
 */
export interface RegisterSession {
  apiKey: string;
  storeId: string;
  terminalId: string;
  operatorId: string;
  currency: string;
}

const STORAGE_KEY = 'counterpay.register.session';

export function loadSession(): RegisterSession | null {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY);
    if (!raw) return null;
    const value = JSON.parse(raw) as Partial<RegisterSession>;
    if (typeof value.apiKey !== 'string' || typeof value.terminalId !== 'string' || typeof value.storeId !== 'string') return null;
    return { apiKey: value.apiKey, storeId: value.storeId, terminalId: value.terminalId, operatorId: value.operatorId ?? '', currency: value.currency ?? 'CNY' };
  } catch {
    return null;
  }
}

export function saveSession(session: RegisterSession): void {
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));
}

export function clearSession(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}
