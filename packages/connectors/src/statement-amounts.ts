import { isCurrency, parseDecimalAmount, type Currency } from '@counterpay/core';

/** A statement file that does not read as the wallet's: the outcome is `unknown` (ask again), never a guess. */
export class StatementFormatError extends Error {}

/**
 * A statement's amount (`12.30`, `-0.06`, `1200` JPY) in minor units of `currency`, digit by digit with
 * core's exact parser: never through a float. More decimals than the currency has is a format error
 * (trailing zeros are fine: `1200.00` JPY is 1200).
 */
export function parseStatementAmount(text: string, currency: Currency, column: string): number {
  const trimmed = text.trim();
  const negative = trimmed.startsWith('-');
  const digits = negative ? trimmed.slice(1) : trimmed;
  let minor: number;
  try {
    minor = parseDecimalAmount(digits, currency, column);
  } catch {
    throw new StatementFormatError(`${column} "${text}" is not an amount in ${currency}`);
  }
  return negative && minor !== 0 ? -minor : minor;
}

export function statementCurrency(text: string): Currency {
  const code = text.trim().toUpperCase();
  if (!isCurrency(code)) throw new StatementFormatError(`currency "${text}" is not one counterpay settles`);
  return code;
}

/** `yyyy-MM-dd HH:mm:ss` in China time → the instant. */
export function parseStatementTime(text: string, column: string): Date {
  const value = text.trim();
  if (!/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(value)) throw new StatementFormatError(`${column} "${text}" is not a time yyyy-MM-dd HH:mm:ss`);
  return new Date(`${value.replace(' ', 'T')}+08:00`);
}

/** `YYYY-MM-DD` that is a real day; the connectors refuse anything else before calling the wallet. */
export function isStatementDate(date: string): boolean {
  if (!/^\d{4}-\d\d-\d\d$/.test(date)) return false;
  const time = Date.parse(`${date}T00:00:00Z`);
  return Number.isFinite(time) && new Date(time).toISOString().slice(0, 10) === date;
}

/** Reads a CSV's rows by column name: a missing column is a format error, not an empty value. */
export function columnReader(header: string[], row: string[]) {
  return (column: string): string => {
    const index = header.indexOf(column);
    if (index < 0) throw new StatementFormatError(`the statement has no column ${column}`);
    return (row[index] ?? '').trim();
  };
}
