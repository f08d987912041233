/** What a run found: one row per measured figure, the targets (PASS/MISS, informative only), notes. */
import type { ScenarioId } from './settings.ts';

export interface Row {
  scenario: string;
  rate?: number;
  unit?: string;
  p50?: number;
  p99?: number;
  gatewayCpuUs?: number;
  otherCpuUs?: number;
  rssMb?: number;
  /** Ratios to the references, already worded (e.g. "0.41× B, 0.12× A"). */
  ratios?: string;
}

export interface Check {
  what: string;
  figure: string;
  target: string;
  /** null: could not be judged (a figure is missing). */
  pass: boolean | null;
}

export const ratio = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(2)}×` : 'n/a');
export const int = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? '' : String(Math.round(x)));
export const ms = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? '' : `${x} ms`);
export const us = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? '' : `${Math.round(x)} µs`);
export const mb = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? '' : `${Math.round(x)} MB`);

export class Report {
  readonly rows: Row[] = [];
  readonly checks: Check[] = [];
  readonly notes: string[] = [];
  /** The README's summary lines (exact wording the issue asks for). */
  readonly summary: string[] = [];
  readonly skipped: string[] = [];

  /** Every scenario prints one `scenario <id>: …` line as it ends (CI's smoke test looks for them). */
  line(id: ScenarioId, text: string): void {
    console.log(`scenario ${id}: ${text}`);
  }

  row(row: Row): void {
    this.rows.push(row);
  }

  check(what: string, figure: string, target: string, pass: boolean | null): void {
    this.checks.push({ what, figure, target, pass });
    console.log(`  target ${pass === null ? 'n/a ' : pass ? 'PASS' : 'MISS'}  ${what}: ${figure} (target ${target})`);
  }

  note(text: string): void {
    this.notes.push(text);
    console.log(`  note: ${text}`);
  }

  skip(id: ScenarioId, why: string): void {
    this.skipped.push(`${id}: ${why}`);
    this.line(id, `SKIPPED — ${why}`);
  }
}

const HEADERS = ['scenario', 'rate', 'p50', 'p99', 'gateway CPU/op', 'sim/wallet CPU/op', 'gateway RSS', 'ratios'];

function cells(r: Row): string[] {
  return [r.scenario, r.rate === undefined ? '' : `${int(r.rate)} ${r.unit ?? 'req/s'}`, ms(r.p50), ms(r.p99), us(r.gatewayCpuUs), us(r.otherCpuUs), mb(r.rssMb), r.ratios ?? ''];
}

export function textTable(rows: Row[]): string {
  const table = [HEADERS, ...rows.map(cells)];
  const widths = HEADERS.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  return table.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

export function markdownTable(rows: Row[]): string {
  const line = (c: string[]) => `| ${c.join(' | ')} |`;
  return [line(HEADERS), line(HEADERS.map(() => '---')), ...rows.map((r) => line(cells(r)))].join('\n');
}

export function checksText(checks: Check[], markdown: boolean): string {
  const mark = (c: Check) => (c.pass === null ? 'n/a' : c.pass ? 'PASS' : 'MISS');
  if (!markdown) return checks.map((c) => `${mark(c).padEnd(4)}  ${c.what}: ${c.figure} (target ${c.target})`).join('\n');
  return ['| target | figure | goal | |', '| --- | --- | --- | --- |', ...checks.map((c) => `| ${c.what} | ${c.figure} | ${c.target} | ${mark(c)} |`)].join('\n');
}
