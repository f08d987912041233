import { type Currency, type Wallet, formatDecimalAmount, isCurrency } from '@counterpay/core';
import { csvField } from '../dashboard/payments-csv.ts';
import type { DifferenceKind, MatchResult, Repair, StoreTotals, Totals } from './match-statement.ts';

export interface ReportDifference {
  kind: DifferenceKind;
  payment: string | null;
  refund: string | null;
  wallet: Wallet;
  wallet_trade_no: string | null;
  amount: number;
  currency: string;
  repair: Repair;
  detail: string;
}

/**
 * A stored reconciliation report (the API's object). Money in minor units. `gross`, `refunds`, `fees`
 * and `net` are the day's when its lines share one currency (`currency`); a day that mixes currencies
 * has them null and one entry per currency in `totals` (never a sum across currencies).
 */
export interface ReconciliationReportObject {
  id: string;
  object: 'reconciliation_report';
  date: string;
  merchant: string;
  mode: 'test' | 'live';
  wallet: Wallet;
  matched: number;
  differences: ReportDifference[];
  /** Differences no repair settled: they need a person. */
  unrepaired: number;
  currency: string | null;
  gross: number | null;
  refunds: number | null;
  fees: number | null;
  net: number | null;
  totals: Totals[];
  by_store: StoreTotals[];
  created_at: string;
}

/** The day's single-currency totals, or nulls when it mixes currencies (see `totals`). */
export function headlineTotals(totals: readonly Totals[]): Pick<ReconciliationReportObject, 'currency' | 'gross' | 'refunds' | 'fees' | 'net'> {
  if (totals.length === 0) return { currency: null, gross: 0, refunds: 0, fees: 0, net: 0 };
  if (totals.length > 1) return { currency: null, gross: null, refunds: null, fees: null, net: null };
  const [t] = totals as [Totals];
  return { currency: t.currency, gross: t.gross, refunds: t.refunds, fees: t.fees, net: t.net };
}

export function buildReport(
  id: string,
  head: { date: string; merchant: string; livemode: boolean; wallet: Wallet },
  match: MatchResult,
  differences: ReportDifference[],
  now: Date,
): ReconciliationReportObject {
  return {
    id,
    object: 'reconciliation_report',
    date: head.date,
    merchant: head.merchant,
    mode: head.livemode ? 'live' : 'test',
    wallet: head.wallet,
    matched: match.matched,
    differences,
    unrepaired: differences.filter((d) => d.repair === 'none').length,
    ...headlineTotals(match.totals),
    totals: match.totals,
    by_store: match.by_store,
    created_at: now.toISOString(),
  };
}

/** Several wallets' reports of one day as one (the CLI's CONTRACT.md output): totals per currency merged exactly. */
export function combineReports(date: string, reports: readonly ReconciliationReportObject[]) {
  const totals = new Map<string, Totals>();
  for (const t of reports.flatMap((r) => r.totals)) {
    const sum = totals.get(t.currency) ?? { currency: t.currency, count: 0, gross: 0, refunds: 0, fees: 0, net: 0 };
    sum.count += t.count;
    sum.gross += t.gross;
    sum.refunds += t.refunds;
    sum.fees += t.fees;
    sum.net += t.net;
    totals.set(t.currency, sum);
  }
  const merged = [...totals.values()].sort((a, b) => a.currency.localeCompare(b.currency));
  const differences = reports.flatMap((r) => r.differences);
  return {
    date,
    matched: reports.reduce((n, r) => n + r.matched, 0),
    differences,
    unrepaired: differences.filter((d) => d.repair === 'none').length,
    ...headlineTotals(merged),
    totals: merged,
    reports: reports.map((r) => r.id),
  };
}

export const SETTLEMENT_COLUMNS = ['date', 'wallet', 'store', 'currency', 'count', 'gross', 'refunds', 'fees', 'net'] as const;

/** Exact decimal text of a signed minor-unit amount (a net can be negative). */
function decimal(minor: number, currency: string): string {
  if (!isCurrency(currency)) return String(minor);
  const text = formatDecimalAmount(Math.abs(minor), currency as Currency);
  return minor < 0 ? `-${text}` : text;
}

/** The day's settlement per store and currency, as CSV with exact decimals in each currency's major unit. */
export function settlementCsv(report: ReconciliationReportObject): string {
  const lines = [SETTLEMENT_COLUMNS.join(',')];
  for (const s of report.by_store) {
    lines.push(
      [report.date, report.wallet, csvField(s.store ?? 'unknown'), s.currency, String(s.count), decimal(s.gross, s.currency), decimal(s.refunds, s.currency), decimal(s.fees, s.currency), decimal(s.net, s.currency)].join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}
