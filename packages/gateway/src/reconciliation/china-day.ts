/** The wallets' day is China Standard Time (UTC+8, no daylight saving): statements and reports use it. */
const CHINA_OFFSET_MS = 8 * 3600 * 1000;
const DAY_MS = 86_400_000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether `text` is a real calendar date written YYYY-MM-DD. */
export function isDate(text: string): boolean {
  const m = DATE.exec(text);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === text;
}

/** The China day an instant belongs to. */
export function chinaDayOf(at: Date | number): string {
  return new Date((typeof at === 'number' ? at : at.getTime()) + CHINA_OFFSET_MS).toISOString().slice(0, 10);
}

/** The China hour (0–23) of an instant. */
export function chinaHourOf(at: Date): number {
  return new Date(at.getTime() + CHINA_OFFSET_MS).getUTCHours();
}

/** [start, end) of a China day, as instants. */
export function chinaDayBounds(date: string): { start: Date; end: Date } {
  const start = Date.parse(`${date}T00:00:00Z`) - CHINA_OFFSET_MS;
  return { start: new Date(start), end: new Date(start + DAY_MS) };
}

export function shiftDate(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** Whether an ISO instant falls in a China day. */
export function inChinaDay(iso: string | null | undefined, date: string): boolean {
  return !!iso && chinaDayOf(new Date(iso)) === date;
}
