import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { firstLateCheck, nextLateCheck } from './late-checks.ts';

const CLOSED = new Date('2026-12-04T10:00:00.000Z');
const at = (ms: number) => new Date(CLOSED.getTime() + ms);

describe('follow-up queries after a close', () => {
  it('runs each delay from the close, then stops (bounded)', () => {
    const delays = [3000, 15_000, 60_000];
    expect(firstLateCheck(delays, CLOSED)).toEqual({ firstCheck: at(3000), deadline: at(60_000), leased: false });
    expect(nextLateCheck(delays, CLOSED, 1)).toEqual(at(15_000));
    expect(nextLateCheck(delays, CLOSED, 2)).toEqual(at(60_000));
    expect(nextLateCheck(delays, CLOSED, 3)).toBeNull();
  });

  it('none configured: no follow-up task at all', () => {
    expect(firstLateCheck([], CLOSED)).toBeNull();
  });

  it('reads LATE_SUCCESS_CHECKS_MS: the default, a list, empty for none, and refuses what is not a short ascending list', () => {
    const config = (value?: string) => loadConfig({ DATA_DIR: '/tmp/counterpay-late-checks-test', COUNTERPAY_MASTER_KEY: 'k', ...(value !== undefined ? { LATE_SUCCESS_CHECKS_MS: value } : {}) }).lateCheckDelaysMs;
    expect(config()).toEqual([3000, 15_000, 60_000]);
    expect(config('1500, 4000')).toEqual([1500, 4000]);
    expect(config('')).toEqual([]);
    for (const bad of ['5000,1000', 'soon', '1.5', '-1', Array.from({ length: 11 }, (_, i) => i * 1000).join(',')]) {
      expect(() => config(bad), bad).toThrow(/LATE_SUCCESS_CHECKS_MS/);
    }
  });
});
