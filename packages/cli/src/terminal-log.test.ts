import { describe, expect, it } from 'vitest';
import { readableLogLine, terminalLogger } from './terminal-log.ts';

/** The gateway's pino lines as `counterpay start` shows them in a terminal. */
describe('readable log lines', () => {
  const at = new Date(2026, 0, 2, 12, 1, 3).getTime();

  it('shows an info line as its time and message only', () => {
    expect(readableLogLine(JSON.stringify({ level: 30, time: at, pid: 1, hostname: 'h', payment: 'pay_1', msg: 'payment pay_1 succeeded  CNY 1.00 alipay barcode' }))).toBe(
      '12:01:03 payment pay_1 succeeded  CNY 1.00 alipay barcode',
    );
  });

  it('labels warnings and errors and spells out their fields, the error stack under an ERROR', () => {
    const warn = readableLogLine(JSON.stringify({ level: 40, time: at, msg: 'work failed', worker: 'resolver', task: { kind: 'payment' }, err: { type: 'Error', message: 'boom now' } }));
    expect(warn).toBe('12:01:03 WARN work failed worker=resolver task.kind=payment error="Error: boom now"');
    const error = readableLogLine(JSON.stringify({ level: 50, time: at, msg: 'unhandled error', err: { type: 'TypeError', message: 'x', stack: 'TypeError: x\n    at f (a.ts:1:1)' } }));
    expect(error.split('\n')).toEqual(['12:01:03 ERROR unhandled error error="TypeError: x"', '    TypeError: x', '        at f (a.ts:1:1)']);
  });

  it('writes readable lines, at the configured level (LOG_FORMAT=json is checked end to end in start-banner.test.ts)', () => {
    const lines: string[] = [];
    const out = { write: (text: string) => lines.push(text) } as unknown as NodeJS.WritableStream;
    terminalLogger({ logLevel: 'info', logFormat: 'text' }, out).info({ payment: 'pay_2' }, 'payment pay_2 failed');
    terminalLogger({ logLevel: 'info', logFormat: 'text' }, out).debug('not shown at info');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d payment pay_2 failed\n$/);
  });
});
