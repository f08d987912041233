import { type Currency, formatDecimalAmount } from '@counterpay/core';
import type { SalesBucket } from '../repositories/dashboard-repository.ts';

/**
 * Totals are counted in China Standard Time (UTC+8, no daylight saving): the wallets' statements and
 * the reconciliation reports close their days at midnight in Beijing, so a dashboard day and a
 * settlement day are the same day.
 */
export const TOTALS_TIME_ZONE = 'Asia/Shanghai';
const CST_OFFSET_MS = 8 * 3600 * 1000;
const DAY_MS = 24 * 3600 * 1000;

/** The UTC instant a China day (YYYY-MM-DD) starts. */
export function chinaDayStart(date: string): Date {
  return new Date(Date.parse(`${date}T00:00:00.000Z`) - CST_OFFSET_MS);
}

/** The China date (YYYY-MM-DD) of an instant. */
export function chinaDate(at: Date): string {
  return new Date(at.getTime() + CST_OFFSET_MS).toISOString().slice(0, 10);
}

export interface TotalLine {
  key: string | null;
  currency: string;
  count: number;
  amount: number;
  amount_decimal: string;
  refunded: number;
  refunded_decimal: string;
}

export interface DayLine {
  date: string;
  currency: string;
  count: number;
  amount: number;
  amount_decimal: string;
}

export interface Totals {
  time_zone: string;
  today: { date: string; by_wallet: TotalLine[]; by_store: TotalLine[] };
  last_30_days: { from: string; to: string; by_wallet: TotalLine[]; by_store: TotalLine[]; daily: DayLine[] };
}

/** The window the totals need: 30 China days ending with today's (inclusive), as UTC instants. */
export function totalsWindow(now: Date): { from: Date; to: Date; today: string; firstDay: string } {
  const today = chinaDate(now);
  const todayStart = chinaDayStart(today);
  const from = new Date(todayStart.getTime() - 29 * DAY_MS);
  return { from, to: new Date(todayStart.getTime() + DAY_MS), today, firstDay: chinaDate(from) };
}

function sumBy(buckets: SalesBucket[], key: (b: SalesBucket) => string | null): TotalLine[] {
  const lines = new Map<string, TotalLine>();
  for (const b of buckets) {
    const k = key(b);
    const id = `${k}\u0000${b.currency}`;
    const line = lines.get(id) ?? { key: k, currency: b.currency, count: 0, amount: 0, amount_decimal: '', refunded: 0, refunded_decimal: '' };
    line.count += b.count;
    line.amount += b.amount;
    line.refunded += b.refunded;
    lines.set(id, line);
  }
  return [...lines.values()]
    .map((l) => ({ ...l, amount_decimal: formatDecimalAmount(l.amount, l.currency as Currency), refunded_decimal: formatDecimalAmount(l.refunded, l.currency as Currency) }))
    .sort((a, b) => b.amount - a.amount || String(a.key).localeCompare(String(b.key)));
}

/** The China day of a UTC hour bucket (`YYYY-MM-DDTHH`). */
const dayOfHour = (hour: string) => chinaDate(new Date(`${hour}:00:00.000Z`));

/** Succeeded sales today and over the 30 days, per wallet and per store, and per day for the chart (every day present, zero when empty). */
export function computeTotals(buckets: SalesBucket[], now: Date): Totals {
  const window = totalsWindow(now);
  const todays = buckets.filter((b) => dayOfHour(b.hour) === window.today);
  const currencies = [...new Set(buckets.map((b) => b.currency))].sort();
  const daily: DayLine[] = [];
  for (let day = 0; day < 30; day++) {
    const date = chinaDate(new Date(window.from.getTime() + day * DAY_MS));
    for (const currency of currencies) {
      const of = buckets.filter((b) => b.currency === currency && dayOfHour(b.hour) === date);
      const amount = of.reduce((sum, b) => sum + b.amount, 0);
      daily.push({ date, currency, count: of.reduce((sum, b) => sum + b.count, 0), amount, amount_decimal: formatDecimalAmount(amount, currency as Currency) });
    }
  }
  return {
    time_zone: TOTALS_TIME_ZONE,
    today: { date: window.today, by_wallet: sumBy(todays, (b) => b.wallet), by_store: sumBy(todays, (b) => b.storeId) },
    last_30_days: { from: window.firstDay, to: window.today, by_wallet: sumBy(buckets, (b) => b.wallet), by_store: sumBy(buckets, (b) => b.storeId), daily },
  };
}
