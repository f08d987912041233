import { useEffect, useState } from 'react';
import type { NativeApi } from '../shared/api.ts';
import type { Payment } from './types.ts';

/** How often the register re-reads a waiting payment (the "polling every 2 s"). */
export const POLL_MS = 2000;

/** Whole seconds until `deadline` (never negative), ticking once a second; null without a deadline. */
export function useSecondsLeft(deadline: string | null): number | null {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!deadline) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [deadline]);
  if (!deadline) return null;
  return Math.max(0, Math.ceil((Date.parse(deadline) - now) / 1000));
}

/** "4:05" for 245 seconds. */
export function minutesSeconds(seconds: number): string {
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

/**
 * Re-reads a processing payment every POLL_MS until it is final, handing each new version to `onChange`.
 * A failed read is retried at the next tick (the gateway may be restarting); nothing runs once final.
 */
export function usePaymentPolling(api: NativeApi, payment: Payment | null, onChange: (payment: Payment) => void): void {
  const id = payment?.status === 'processing' ? payment.id : null;
  useEffect(() => {
    if (!id) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout>;
    const controller = new AbortController();
    const tick = async () => {
      try {
        const fresh = await api.get<Payment>(`/payments/${encodeURIComponent(id)}`, undefined, controller.signal);
        if (stopped) return;
        onChange(fresh);
        if (fresh.status !== 'processing') return;
      } catch {
        if (stopped) return;
      }
      timer = setTimeout(tick, POLL_MS);
    };
    timer = setTimeout(tick, POLL_MS);
    return () => {
      stopped = true;
      clearTimeout(timer);
      controller.abort();
    };
  }, [api, id, onChange]);
}
