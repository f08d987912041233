import { useEffect, useState } from 'react';
import { api } from './api.ts';
import { formatMoney } from '../shared/money.ts';

interface Line {
  key: string | null;
  name?: string;
  currency: string;
  count: number;
  amount: number;
  refunded: number;
}
interface Totals {
  time_zone: string;
  today: { date: string; by_wallet: Line[]; by_store: Line[] };
  last_30_days: { from: string; to: string; by_wallet: Line[]; by_store: Line[]; daily: Array<{ date: string; currency: string; count: number; amount: number }> };
}

const WALLET_NAMES: Record<string, string> = { alipay: 'Alipay', wechat: 'WeChat Pay' };
const label = (line: Line, by: 'wallet' | 'store') => (by === 'wallet' ? (WALLET_NAMES[line.key ?? ''] ?? 'Not chosen yet') : (line.name ?? line.key ?? 'No store'));

/** Horizontal bars, one per line, as plain SVG; the numbers are in the text beside each bar too. */
function BarChart({ id, title, lines, by }: { id: string; title: string; lines: Line[]; by: 'wallet' | 'store' }) {
  const max = Math.max(1, ...lines.map((l) => l.amount));
  const row = 28;
  const height = Math.max(row, lines.length * row);
  return (
    <figure className="dash-chart">
      <figcaption id={id}>{title}</figcaption>
      {lines.length === 0 ? (
        <p>No sales.</p>
      ) : (
        <svg role="img" aria-labelledby={id} viewBox={`0 0 600 ${height}`} width="100%" height={height} preserveAspectRatio="xMinYMin meet">
          {lines.map((l, i) => {
            const width = Math.max(2, Math.round((l.amount / max) * 300));
            const y = i * row;
            return (
              <g key={`${l.key}-${l.currency}`}>
                <text x={0} y={y + 18} className="dash-chart-label">
                  {label(l, by)}
                </text>
                <rect x={150} y={y + 5} width={width} height={row - 10} className={`dash-bar dash-bar-${by === 'wallet' ? l.key : 'store'}`} />
                <text x={150 + width + 8} y={y + 18} className="dash-chart-value">
                  {formatMoney(l.amount, l.currency)} · {l.count}
                </text>
              </g>
            );
          })}
        </svg>
      )}
    </figure>
  );
}

/** One column per day over the 30 days, per currency. */
function DailyChart({ daily, currency }: { daily: Totals['last_30_days']['daily']; currency: string }) {
  const days = daily.filter((d) => d.currency === currency);
  const max = Math.max(1, ...days.map((d) => d.amount));
  const id = `daily-${currency}`;
  const total = days.reduce((sum, d) => sum + d.amount, 0);
  return (
    <figure className="dash-chart">
      <figcaption id={id}>
        Sales per day, last 30 days ({currency}): {formatMoney(total, currency)}
      </figcaption>
      <svg role="img" aria-labelledby={id} viewBox="0 0 620 180" width="100%" height={180} preserveAspectRatio="xMinYMin meet">
        {days.map((d, i) => {
          const h = Math.round((d.amount / max) * 140);
          return (
            <g key={d.date}>
              <rect x={10 + i * 20} y={150 - h} width={14} height={Math.max(h, d.amount > 0 ? 2 : 0)} className="dash-bar dash-bar-daily">
                <title>{`${d.date}: ${formatMoney(d.amount, currency)}, ${d.count} payments`}</title>
              </rect>
              {i % 5 === 0 && (
                <text x={10 + i * 20} y={170} className="dash-chart-axis">
                  {d.date.slice(5)}
                </text>
              )}
            </g>
          );
        })}
        <line x1={8} x2={612} y1={150} y2={150} className="dash-chart-baseline" />
      </svg>
    </figure>
  );
}

export function Totals() {
  const [totals, setTotals] = useState<Totals | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api<Totals>('GET', '/dashboard/api/totals').then(setTotals, (e: Error) => setError(e.message));
  }, []);
  if (!totals) return <section aria-labelledby="totals-title"><h1 id="totals-title">Totals</h1>{error ? <p role="alert" className="dash-error">{error}</p> : <p>Loading…</p>}</section>;
  const currencies = [...new Set(totals.last_30_days.daily.map((d) => d.currency))];
  return (
    <section aria-labelledby="totals-title">
      <h1 id="totals-title">Totals</h1>
      <p className="dash-hint">Succeeded payments, counted in China Standard Time ({totals.time_zone}), the day the wallets and the reconciliation reports use.</p>
      <h2>Today, {totals.today.date}</h2>
      <div className="dash-charts">
        <BarChart id="today-wallet" title="Today per wallet" lines={totals.today.by_wallet} by="wallet" />
        <BarChart id="today-store" title="Today per store" lines={totals.today.by_store} by="store" />
      </div>
      <h2>
        Last 30 days, {totals.last_30_days.from} to {totals.last_30_days.to}
      </h2>
      <div className="dash-charts">
        <BarChart id="month-wallet" title="30 days per wallet" lines={totals.last_30_days.by_wallet} by="wallet" />
        <BarChart id="month-store" title="30 days per store" lines={totals.last_30_days.by_store} by="store" />
      </div>
      {currencies.map((c) => (
        <DailyChart key={c} daily={totals.last_30_days.daily} currency={c} />
      ))}
    </section>
  );
}
