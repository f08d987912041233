/** Wallet wire formats use China Standard Time (UTC+8, no daylight saving). */
const CST_OFFSET_MS = 8 * 3600 * 1000;

/** `yyyy-MM-dd HH:mm:ss` in China time (Alipay). */
export function alipayTime(date: Date): string {
  return new Date(date.getTime() + CST_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ');
}

/** `yyyyMMddHHmmss` in China time (WeChat Pay). */
export function wechatTime(date: Date): string {
  return alipayTime(date).replace(/[- :]/g, '');
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
