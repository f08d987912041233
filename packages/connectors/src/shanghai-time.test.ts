import { describe, expect, it } from 'vitest';
import { formatShanghaiTime, parseShanghaiTime } from './shanghai-time.ts';

describe('Asia/Shanghai wall-clock times', () => {
  const instant = new Date('2024-12-31T16:05:09Z'); // 2025-01-01 00:05:09 in Shanghai

  it('formats both wallet styles in UTC+8', () => {
    expect(formatShanghaiTime(instant, 'yyyy-MM-dd HH:mm:ss')).toBe('2025-01-01 00:05:09');
    expect(formatShanghaiTime(instant, 'yyyyMMddHHmmss')).toBe('20250101000509');
  });

  it('parses both wallet styles back to the same instant', () => {
    expect(parseShanghaiTime('2025-01-01 00:05:09')).toEqual(instant);
    expect(parseShanghaiTime('20250101000509')).toEqual(instant);
  });

  it('returns null for absent or impossible times', () => {
    expect(parseShanghaiTime(undefined)).toBeNull();
    expect(parseShanghaiTime('2024-02-31 10:00:00')).toBeNull();
    expect(parseShanghaiTime('yesterday')).toBeNull();
  });
});
