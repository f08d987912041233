import type { LoadResult } from './load.ts';
import type { Report } from './report.ts';
import type { Settings } from './settings.ts';

/** What scenarios share during one run: the settings, the report, and the reference figures. */
export interface Context {
  settings: Settings;
  report: Report;
  /** Reference A (the stack): cpuPerOpUs = [server]. */
  a?: LoadResult;
  /** Reference B (the floor): cpuPerOpUs = [floor gateway, floor wallet]. */
  b?: LoadResult;
  /** counterpay barcode, WeChat Pay: cpuPerOpUs = [gateway, simulator]. */
  wechat?: LoadResult;
  /** CPU of one RSA-2048 signature with a parsed KeyObject, µs. */
  rsaSignUs?: number;
  /** Gateway RSS after each scenario. */
  rss: Array<{ scenario: string; mb: number }>;
}
