import { type GatewayConfig, createLogger } from '@counterpay/gateway';

type Logger = ReturnType<typeof createLogger>;

const LABELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
/** pino's own fields, shown as the line's time and label (or not at all). */
const OWN_FIELDS = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'reqId']);

function clock(time: unknown): string {
  const date = new Date(typeof time === 'number' ? time : Date.now());
  return date.toTimeString().slice(0, 8);
}

function text(value: unknown): string {
  if (typeof value === 'string') return /\s/.test(value) ? JSON.stringify(value) : value;
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}

/** `key=value` pairs of a log entry's own fields (nested objects one level flattened: `task.kind=…`). */
function details(entry: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(entry)) {
    if (OWN_FIELDS.has(key) || value === undefined) continue;
    if (key === 'err' && typeof value === 'object' && value !== null) {
      const err = value as { type?: string; message?: string };
      out.push(`error=${text(`${err.type ?? 'Error'}: ${err.message ?? ''}`)}`);
    } else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      for (const [sub, inner] of Object.entries(value)) out.push(`${key}.${sub}=${text(inner)}`);
    } else {
      out.push(`${key}=${text(value)}`);
    }
  }
  return out;
}

/**
 * One pino JSON line as a person reads it: `12:01:03 payment pay_… succeeded …` for info (the message
 * says it all), `12:01:03 WARN message key=value …` for the rest, with an error's stack under an ERROR.
 */
export function readableLogLine(json: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.trimEnd();
  }
  const level = typeof entry.level === 'number' ? entry.level : 30;
  const label = LABELS[level];
  const head = `${clock(entry.time)} ${label ? `${label} ` : ''}${typeof entry.msg === 'string' ? entry.msg : ''}`;
  if (!label) return head;
  const line = [head, ...details(entry)].join(' ');
  const stack = level >= 50 ? (entry.err as { stack?: unknown } | undefined)?.stack : undefined;
  return typeof stack === 'string' ? `${line}\n${stack.replace(/^/gm, '    ')}` : line;
}

/**
 * The gateway's logger for `start` and `serve`: readable lines on stdout by default, pino's JSON lines
 * with LOG_FORMAT=json (for a log collector); LOG_LEVEL sets the level either way.
 */
export function terminalLogger(config: Pick<GatewayConfig, 'logLevel' | 'logFormat'>, out: NodeJS.WritableStream = process.stdout): Logger {
  if (config.logFormat === 'json') return createLogger(config.logLevel);
  return createLogger(config.logLevel, { write: (chunk: string) => void out.write(`${readableLogLine(chunk)}\n`) });
}
