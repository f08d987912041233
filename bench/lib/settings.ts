/** Command-line options of `npm run bench` and the durations and sizes of each mode. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Mode = 'full' | 'quick' | 'smoke';

export const SCENARIOS = ['rsa-sign', 'stack-a', 'floor-b', 'barcode-wechat', 'barcode-alipay', 'lookups', 'notifications', 'postgres', 'memory'] as const;
export type ScenarioId = (typeof SCENARIOS)[number];

export interface Settings {
  mode: Mode;
  connections: number;
  /** Measured seconds of each load scenario. */
  durationS: number;
  warmupRequests: number;
  lookupSizes: number[];
  lookupDurationS: number;
  lookupWarmupRequests: number;
  notifyEvents: number;
  notifyTimeoutMs: number;
  /** Upper bound of one notification run. */
  notifyMaxS: number;
  writeResults: boolean;
  /** Run only these scenario groups (development aid): rsa, a, b, barcode, lookups, notifications, postgres. */
  only: Set<string> | null;
  keepData: boolean;
  dataRoot: string;
  argv: string[];
}

export const USAGE = `npm run bench -- [--quick | --smoke] [--write-results | --no-write] [--only rsa,a,b,barcode,lookups,notifications,postgres] [--keep-data]
  (default) full mode, a few minutes (plus the 10M-row seed); writes bench/RESULTS.md and README's Performance section
  --quick   ~1 min on 2 cores, smaller sizes, writes nothing unless --write-results
  --smoke   tiny durations (CI's test)`;

export function parseSettings(argv: string[]): Settings {
  const known = new Set(['--quick', '--smoke', '--write-results', '--no-write', '--keep-data', '--help']);
  let only: Set<string> | null = null;
  for (const arg of argv) {
    if (arg.startsWith('--only=')) only = new Set(arg.slice('--only='.length).split(','));
    else if (!known.has(arg)) throw new Error(`unknown option ${arg}\n${USAGE}`);
  }
  if (argv.includes('--help')) {
    console.log(USAGE);
    process.exit(0);
  }
  const mode: Mode = argv.includes('--smoke') ? 'smoke' : argv.includes('--quick') ? 'quick' : 'full';
  const writeResults = argv.includes('--no-write') ? false : argv.includes('--write-results') || mode === 'full';
  const common = { mode, connections: 50, writeResults, only, keepData: argv.includes('--keep-data'), dataRoot: mkdtempSync(join(tmpdir(), 'counterpay-bench-')), argv };
  switch (mode) {
    case 'full':
      return { ...common, durationS: 15, warmupRequests: 500, lookupSizes: [10_000, 1_000_000, 10_000_000], lookupDurationS: 8, lookupWarmupRequests: 2500, notifyEvents: 100_000, notifyTimeoutMs: 1000, notifyMaxS: 300 };
    case 'quick':
      return { ...common, durationS: 4, warmupRequests: 200, lookupSizes: [10_000, 100_000], lookupDurationS: 2, lookupWarmupRequests: 1000, notifyEvents: 3000, notifyTimeoutMs: 500, notifyMaxS: 60 };
    case 'smoke':
      return { ...common, durationS: 2, warmupRequests: 50, lookupSizes: [10_000, 20_000], lookupDurationS: 1, lookupWarmupRequests: 50, notifyEvents: 300, notifyTimeoutMs: 300, notifyMaxS: 20 };
  }
}

export function wants(settings: Settings, group: string): boolean {
  return !settings.only || settings.only.has(group);
}
