/**
 * Both wallets write times as wall-clock text in China Standard Time (UTC+8, no daylight saving since
 * 1991), so a fixed offset is exact and needs no time-zone database.
 */
const SHANGHAI_OFFSET_MS = 8 * 60 * 60 * 1000;

export type ShanghaiTimeFormat = 'yyyy-MM-dd HH:mm:ss' | 'yyyyMMddHHmmss';

const two = (n: number): string => String(n).padStart(2, '0');

/** Formats an instant as Asia/Shanghai wall-clock text. */
export function formatShanghaiTime(date: Date, format: ShanghaiTimeFormat): string {
  const d = new Date(date.getTime() + SHANGHAI_OFFSET_MS);
  const [year, month, day] = [String(d.getUTCFullYear()), two(d.getUTCMonth() + 1), two(d.getUTCDate())];
  const [hour, minute, second] = [two(d.getUTCHours()), two(d.getUTCMinutes()), two(d.getUTCSeconds())];
  return format === 'yyyyMMddHHmmss'
    ? `${year}${month}${day}${hour}${minute}${second}`
    : `${year}-${month}-${day} ${hour}:${minute}:${second}`;
}

const SHANGHAI_TIME = /^(\d{4})-?(\d{2})-?(\d{2})[ T]?(\d{2}):?(\d{2}):?(\d{2})$/;

/**
 * Reads Asia/Shanghai wall-clock text (`2024-05-13 17:49:20` or `20240513174920`); `null` when the text
 * is absent or not a real time, because a payment time is informative and never worth failing over.
 */
export function parseShanghaiTime(text: string | undefined): Date | null {
  if (!text) return null;
  const match = SHANGHAI_TIME.exec(text.trim());
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  const utc = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(utc);
  // Date.UTC rolls 2024-02-31 over into March: reject such text instead of inventing a time.
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) return null;
  return new Date(utc - SHANGHAI_OFFSET_MS);
}
