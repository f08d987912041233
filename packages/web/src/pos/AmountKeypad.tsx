import { currencyExponent } from '../shared/money.ts';

const KEYS = ['7', '8', '9', '4', '5', '6', '1', '2', '3'] as const;

/** Appends a keypad key to the amount text, refusing what the currency cannot hold (a 3rd decimal in CNY). */
export function typeKey(text: string, key: string, currency: string): string {
  const exponent = currencyExponent(currency);
  if (key === '.') return exponent === 0 || text.includes('.') ? text : `${text || '0'}.`;
  const next = text === '0' ? key : text + key;
  const fraction = next.split('.')[1];
  if (fraction !== undefined && fraction.length > exponent) return text;
  return next.length > 14 ? text : next;
}

/** Keeps what a person may type in the amount field: digits and, if the currency has decimals, one point. */
export function cleanAmountText(text: string, currency: string): string {
  let cleaned = '';
  for (const char of text.replace(',', '.')) {
    if (/\d/.test(char) || char === '.') cleaned = typeKey(cleaned, char, currency);
  }
  return cleaned;
}

/**
 * The on-screen keypad for touch. Its keys stay out of the Tab order (tabIndex -1): the amount field
 * takes the same digits from a keyboard, so a keyboard user is not made to tab through twelve keys.
 */
export function AmountKeypad({ text, currency, onChange, disabled }: { text: string; currency: string; onChange: (text: string) => void; disabled: boolean }) {
  const exponent = currencyExponent(currency);
  return (
    <div className="keypad" role="group" aria-label="Amount keypad">
      {KEYS.map((key) => (
        <button key={key} type="button" tabIndex={-1} disabled={disabled} onClick={() => onChange(typeKey(text, key, currency))}>
          {key}
        </button>
      ))}
      <button type="button" tabIndex={-1} disabled={disabled || exponent === 0} aria-label="Decimal point" onClick={() => onChange(typeKey(text, '.', currency))}>
        .
      </button>
      <button type="button" tabIndex={-1} disabled={disabled} onClick={() => onChange(typeKey(text, '0', currency))}>
        0
      </button>
      <button type="button" tabIndex={-1} disabled={disabled} aria-label="Delete last digit" onClick={() => onChange(text.slice(0, -1))}>
        ⌫
      </button>
      <button type="button" tabIndex={-1} disabled={disabled} className="keypad-clear" aria-label="Clear amount" onClick={() => onChange('')}>
        Clear
      </button>
    </div>
  );
}
